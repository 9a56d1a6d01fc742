"""Ehlers' instantaneous trendline."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_number, source_of

ITREND = namedtuple("ITREND", ["signal", "it", "trigger"])


def itrend(candles: np.ndarray, alpha: float = 0.07, source_type: str = "hl2", sequential: bool = False) -> ITREND:
    """Instantaneous trendline ``it``, ``trigger = 2*it - it[-20]`` and ``signal = sign(trigger - it)``.

    Example:
        >>> import numpy as np
        >>> itrend(np.arange(1.0, 100.0)).signal
        1.0
    """
    alpha = check_number(alpha, "itrend: alpha")
    _, source = source_of(candles, source_type, sequential)
    signal, it, trigger = k2.itrend(source, alpha)
    if sequential:
        return ITREND(signal, it, trigger)
    return ITREND(float(signal[-1]), float(it[-1]), float(trigger[-1]))
