"""DPO - detrended price oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core
from jesse_dag.indicators._core import check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _dpo(x, period):
    # one pass: the running sum of sma_running (``s += x[i] - x[i-p]``, then ``s / p``) kept in a register,
    # no average array; the same operations in the same order, so the same bits
    n = x.shape[0]
    shift = period // 2 + 1
    first = period - 1 + shift
    out = np.empty(n)
    for i in range(min(first, n)):
        out[i] = np.nan
    if period < 1 or n < period:
        return out
    s = 0.0
    for i in range(period):
        s += x[i]
    for i in range(period, n):
        s += x[i] - x[i - period]
        if i >= first:
            out[i] = x[i - shift] - s / period
    return out


@numba.njit(cache=True)
def _last_dpo(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _dpo(a0, a1)[-1]


def dpo(candles: np.ndarray, period: int = 5, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Price ``period//2 + 1`` bars ago minus the current SMA.

    Example:
        >>> import numpy as np
        >>> dpo(np.arange(1.0, 30.0))
        np.float64(-1.0)
    """
    period = check_period(period)
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        return _f64(_last_dpo(source, period))
    return _dpo(source, period)
