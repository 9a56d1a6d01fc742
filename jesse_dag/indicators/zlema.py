"""ZLEMA: zero-lag EMA (Jesse ``ta.zlema``) of ``2·x - x[-lag]`` with ``lag = (period - 1) // 2``.

Rows before ``lag`` are NaN, and everything is NaN when ``n <= period``.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _zlema(source, period):
    n = source.shape[0]
    out = np.full(n, np.nan)
    if n <= period:
        return out
    lag = (period - 1) // 2
    alpha = 2.0 / (period + 1.0)
    out[lag] = source[lag] + (source[lag] - source[0])
    for i in range(lag + 1, n):
        data = source[i] + (source[i] - source[i - lag])
        out[i] = alpha * data + (1.0 - alpha) * out[i - 1]
    return out


@numba.njit(cache=True)
def _last_zlema(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _zlema(a0, a1)[-1]


def zlema(candles: np.ndarray, period: int = 20, source_type: str = "close",
          sequential: bool = False) -> float | np.ndarray:
    """Zero-lag exponential moving average.

    Example:
        >>> import numpy as np
        >>> zlema(np.full(10, 2.0), period=3)
        2.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_zlema(source, period))
    res = _zlema(source, period)
    return res
