"""SMA - simple moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import cached_forming, cached_last, check_period, last_or_all, source_of


@numba.njit(cache=True)
def _sma_windows(x, period, warm, lo, hi):
    out = np.empty(hi - lo)
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo] = _kernels.sma(x[s:e], period)[-1]
    return out


@numba.njit(cache=True)
def _sma_forming(x, fx, completes, period, warm):
    # the last value on each trailing window that ends with a forming candle (source value ``fx``)
    out = np.empty(completes.shape[0])
    for j in range(completes.shape[0]):
        c = completes[j]
        s = c + 1 - warm if (warm > 0 and c + 1 > warm) else 0
        buf = np.empty(c + 1 - s)
        buf[:c - s] = x[s:c]
        buf[c - s] = fx[j]
        out[j] = _kernels.sma(buf, period)[-1]
    return out


def sma(candles: np.ndarray, period: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Mean of the trailing ``period`` values; NaN for the first ``period-1`` rows.

    Example:
        >>> import numpy as np
        >>> sma(np.array([1.0, 2.0, 3.0]), 2)
        2.5
    """
    period = check_period(period)
    if not sequential:
        v = cached_last(candles, ("sma", period, source_type),
                        lambda slot, w, lo, hi: _sma_windows(slot.source(source_type), period, w, lo, hi).tolist())
        if v is None:
            v = cached_forming(candles, ("sma", period, source_type), source_type,
                               lambda x, fx, completes, w: _sma_forming(x, fx, completes, period, w).tolist())
        if v is not None:
            return v
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(_kernels.sma(source, period), sequential)
