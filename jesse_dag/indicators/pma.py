"""Ehlers' predictive moving average."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.indicators import _kernels_averages
from jesse_dag.indicators._core import source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

PMA = namedtuple("PMA", ["predict", "trigger"])


def pma(candles: np.ndarray, source_type: str = "hl2", sequential: bool = False) -> PMA:
    """``predict = 2*WMA7 - WMA7(WMA7)`` and its 4-bar weighted ``trigger``; NaN for the first rows.

    Example:
        >>> import numpy as np
        >>> round(pma(np.arange(0.0, 30.0)).predict, 6)
        np.float64(29.0)
    """
    _, source = source_of(candles, source_type, sequential)
    predict, trigger = _kernels_averages.predictive_ma(source)
    if sequential:
        return PMA(predict, trigger)
    return PMA(_f64(predict[-1]), _f64(trigger[-1]))
