"""DPO - detrended price oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import check_period, slice_candles


@numba.njit(cache=True)
def _dpo(x, period):
    n = x.shape[0]
    shift = period // 2 + 1
    avg = _kernels.sma_running(x, period)
    out = np.full(n, np.nan)
    for i in range(period - 1 + shift, n):
        out[i] = x[i - shift] - avg[i]
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
        -1.0
    """
    period = check_period(period)
    candles = slice_candles(candles, sequential)
    source = fp.source(candles, source_type)
    if not sequential:
        return float(_last_dpo(source, period))
    return _dpo(source, period)
