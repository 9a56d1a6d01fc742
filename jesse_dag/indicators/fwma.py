"""FWMA - Fibonacci weighted moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _fwma(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    w = np.empty(period)
    a, b = 1.0, 1.0
    for k in range(period):
        w[k] = a
        a, b = b, a + b
    w /= w.sum()
    ws = w.sum()
    for i in range(period - 1, n):
        s = 0.0
        for k in range(period):
            s += x[i - period + 1 + k] * w[k]
        out[i] = s / ws
    return out


@numba.njit(cache=True)
def _last_fwma(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _fwma(a0, a1)[-1]


def fwma(candles: np.ndarray, period: int = 5, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Weights 1, 1, 2, 3, 5, ... with the largest on the newest bar.

    Example:
        >>> import numpy as np
        >>> fwma(np.ones(10))
        1.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_fwma(source, period))
    return _fwma(source, period)
