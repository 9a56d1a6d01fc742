"""DPO - detrended price oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, get_candle_source, last_or_all, slice_candles


@numba.njit(cache=True)
def _dpo(x, period):
    n = x.shape[0]
    shift = period // 2 + 1
    avg = _kernels.sma_running(x, period)
    out = np.full(n, np.nan)
    for i in range(period - 1 + shift, n):
        out[i] = x[i - shift] - avg[i]
    return out


def dpo(candles: np.ndarray, period: int = 5, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Price ``period//2 + 1`` bars ago minus the current SMA.

    Example:
        >>> import numpy as np
        >>> dpo(np.arange(1.0, 30.0))
        -3.0
    """
    period = check_period(period)
    candles = slice_candles(candles, sequential)
    source = np.ascontiguousarray(get_candle_source(candles, source_type))
    return last_or_all(_dpo(source, period), sequential)
