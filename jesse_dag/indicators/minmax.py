"""Local extrema of lows and highs."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels_series
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

EXTREMA = namedtuple("EXTREMA", ["is_min", "is_max", "last_min", "last_max"])


def minmax(candles: np.ndarray, order: int = 3, sequential: bool = False) -> EXTREMA:
    """Strict local minima of lows / maxima of highs over ``order`` rows each side, and the last one seen.

    Non-sequential, ``is_min``/``is_max`` are read ``order`` rows back (the newest row that can be one),
    and ``last_min``/``last_max`` at the last row, as in Jesse.

    Example:
        >>> import numpy as np
        >>> hl = np.array([1.0, 2.0, 3.0, 2.0, 1.0, 2.0, 3.0])
        >>> c = np.column_stack([np.zeros(7), hl, hl, hl, hl, np.ones(7)])
        >>> e = minmax(c, order=2, sequential=True)
        >>> e.is_max.tolist()[2], e.last_min.tolist()[-1]
        (3.0, 1.0)
    """
    order = check_period(order, "minmax: order")
    c = ohlcv(candles, sequential, "minmax")
    is_min = _kernels_series.strict_extrema(c[:, LOW], order, False)
    is_max = _kernels_series.strict_extrema(c[:, HIGH], order, True)
    last_min = _kernels_series.ffill(is_min)
    last_max = _kernels_series.ffill(is_max)
    if sequential:
        return EXTREMA(is_min, is_max, last_min, last_max)
    if c.shape[0] < order + 1:
        raise ValueError(f"minmax: needs at least order + 1 = {order + 1} candles, got {c.shape[0]}")
    return EXTREMA(_f64(is_min[-(order + 1)]), _f64(is_max[-(order + 1)]), _f64(last_min[-1]),
                   _f64(last_max[-1]))
