"""Ehlers' 3-pole Super Smoother (Jesse ``ta.supersmoother_3_pole``); rows 0-2 copy the input."""
from __future__ import annotations

import math

import numba
import numpy as np

from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _supersmoother_3_pole(source, period):
    n = source.shape[0]
    out = source.copy()
    a = math.exp(-math.pi / period)
    b = 2.0 * a * math.cos(1.738 * math.pi / period)
    c = a * a
    for i in range(3, n):
        out[i] = ((1.0 - c * c - b + b * c) * source[i] + (b + c) * out[i - 1]
                  + (-c - b * c) * out[i - 2] + c * c * out[i - 3])
    return out


@numba.njit(cache=True)
def _last_supersmoother_3_pole(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _supersmoother_3_pole(a0, a1)[-1]


def supersmoother_3_pole(candles: np.ndarray, period: int = 14, source_type: str = "close",
                         sequential: bool = False) -> float | np.ndarray:
    """3-pole Butterworth super smoother.

    Example:
        >>> import numpy as np
        >>> round(supersmoother_3_pole(np.full(80, 2.0), period=10), 9)
        2.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_supersmoother_3_pole(source, float(period)))
    res = _supersmoother_3_pole(source, float(period))
    return res
