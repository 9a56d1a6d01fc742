"""EMA - exponential moving average (Jesse's seed: the first value, not an SMA)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import warmup_candles_num
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import cached_forming, cached_last
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _last_ema(x, period):
    # _kernels.ema(x, period)[-1] without the array: the same recurrence, so the same bits
    n = x.shape[0]
    if n == 0 or period > n:
        return np.nan
    alpha = 2.0 / (period + 1.0)
    keep = 1.0 - alpha
    y = x[0]
    for i in range(1, n):
        y = alpha * x[i] + keep * y
    return y


@numba.njit(cache=True)
def _last_ema_rows(c, code, warm, period):
    # _last_ema on the trailing ``warm`` rows of the source ``code`` of 2-D candles (the fast lane)
    n = c.shape[0]
    s = _kernels.window_start(n, warm)
    if period > n - s:
        return np.nan
    alpha = 2.0 / (period + 1.0)
    keep = 1.0 - alpha
    y = _kernels.source_at(c, s, code)
    for i in range(s + 1, n):
        y = alpha * _kernels.source_at(c, i, code) + keep * y
    return y


@numba.njit(cache=True)
def _ema_windows(x, period, warm, lo, hi):
    # the last value of the EMA on each trailing window (slice_candles' rows), for views of lo..hi-1 rows
    out = np.empty(hi - lo)
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo] = _last_ema(x[s:e], period)
    return out


@numba.njit(cache=True)
def _ema_forming(x, fx, completes, period, warm):
    # the last value on each trailing window that ends with a forming candle (source value ``fx``)
    out = np.empty(completes.shape[0])
    for j in range(completes.shape[0]):
        c = completes[j]
        s = c + 1 - warm if (warm > 0 and c + 1 > warm) else 0
        buf = np.empty(c + 1 - s)
        buf[:c - s] = x[s:c]
        buf[c - s] = fx[j]
        out[j] = _last_ema(buf, period)
    return out


def ema(candles: np.ndarray, period: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """EMA with alpha ``2/(period+1)`` seeded at the first value; all NaN when ``period`` > length.

    Example:
        >>> import numpy as np
        >>> round(ema(np.array([1.0, 2.0, 3.0]), 2), 4)
        2.5556
    """
    period = check_period(period)
    if not sequential:
        v = cached_last(candles, ("ema", period, source_type),
                        lambda slot, w, lo, hi: _ema_windows(slot.source(source_type), period, w, lo, hi).tolist())
        if v is None:
            v = cached_forming(candles, ("ema", period, source_type), source_type,
                               lambda x, fx, completes, w: _ema_forming(x, fx, completes, period, w).tolist())
        if v is not None:
            return v
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _last_ema_rows(candles, code, warmup_candles_num(), period)
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _kernels.ema(source, period)
    return float(_last_ema(source, period))
