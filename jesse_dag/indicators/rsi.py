"""RSI - relative strength index (Wilder's smoothing)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import warmup_candles_num
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import cached_forming, cached_last
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _rsi(x, period):
    n = x.shape[0]
    if n <= period:
        return np.full(n, np.nan)
    out = np.empty(n)
    out[:period] = np.nan
    gain = 0.0
    loss = 0.0
    for i in range(1, period + 1):
        d = x[i] - x[i - 1]
        if d > 0.0:
            gain += d
        else:
            loss -= d
    gain /= period
    loss /= period
    for i in range(period, n):
        if i > period:
            d = x[i] - x[i - 1]
            up = d if d > 0.0 else 0.0
            dn = -d if d <= 0.0 else 0.0
            gain = (gain * (period - 1.0) + up) / period
            loss = (loss * (period - 1.0) + dn) / period
        # Jesse: a zero average loss gives 100, even on a flat series
        out[i] = 100.0 if loss == 0.0 else 100.0 - 100.0 / (1.0 + gain / loss)
    return out


@numba.njit(cache=True)
def _last_rsi(x, period):
    # _rsi(x, period)[-1] without the array: the same recurrence, so the same bits
    n = x.shape[0]
    if n <= period:
        return np.nan
    gain = 0.0
    loss = 0.0
    for i in range(1, period + 1):
        d = x[i] - x[i - 1]
        if d > 0.0:
            gain += d
        else:
            loss -= d
    gain /= period
    loss /= period
    for i in range(period + 1, n):
        d = x[i] - x[i - 1]
        up = d if d > 0.0 else 0.0
        dn = -d if d <= 0.0 else 0.0
        gain = (gain * (period - 1.0) + up) / period
        loss = (loss * (period - 1.0) + dn) / period
    return 100.0 if loss == 0.0 else 100.0 - 100.0 / (1.0 + gain / loss)


@numba.njit(cache=True)
def _last_rsi_rows(c, code, warm, period):
    # _last_rsi on the trailing ``warm`` rows of the source ``code`` of 2-D candles (the fast lane)
    n = c.shape[0]
    s = _kernels.window_start(n, warm)
    if n - s <= period:
        return np.nan
    gain = 0.0
    loss = 0.0
    prev = _kernels.source_at(c, s, code)
    for i in range(s + 1, s + period + 1):
        cur = _kernels.source_at(c, i, code)
        d = cur - prev
        prev = cur
        if d > 0.0:
            gain += d
        else:
            loss -= d
    gain /= period
    loss /= period
    for i in range(s + period + 1, n):
        cur = _kernels.source_at(c, i, code)
        d = cur - prev
        prev = cur
        up = d if d > 0.0 else 0.0
        dn = -d if d <= 0.0 else 0.0
        gain = (gain * (period - 1.0) + up) / period
        loss = (loss * (period - 1.0) + dn) / period
    return 100.0 if loss == 0.0 else 100.0 - 100.0 / (1.0 + gain / loss)


@numba.njit(cache=True)
def _rsi_windows(x, period, warm, lo, hi):
    out = np.empty(hi - lo)
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo] = _last_rsi(x[s:e], period)
    return out


@numba.njit(cache=True)
def _rsi_forming(x, fx, completes, period, warm):
    # the last value on each trailing window that ends with a forming candle (source value ``fx``)
    out = np.empty(completes.shape[0])
    for j in range(completes.shape[0]):
        c = completes[j]
        s = c + 1 - warm if (warm > 0 and c + 1 > warm) else 0
        buf = np.empty(c + 1 - s)
        buf[:c - s] = x[s:c]
        buf[c - s] = fx[j]
        out[j] = _last_rsi(buf, period)
    return out


def rsi(candles: np.ndarray, period: int = 14, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """RSI with averages seeded by the mean of the first ``period`` changes; first value at ``period``.

    Example:
        >>> import numpy as np
        >>> rsi(np.arange(1.0, 30.0))
        100.0
    """
    period = check_period(period)
    if not sequential:
        v = cached_last(candles, ("rsi", period, source_type),
                        lambda slot, w, lo, hi: _rsi_windows(slot.source(source_type), period, w, lo, hi).tolist())
        if v is None:
            v = cached_forming(candles, ("rsi", period, source_type), source_type,
                               lambda x, fx, completes, w: _rsi_forming(x, fx, completes, period, w).tolist())
        if v is not None:
            return v
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _last_rsi_rows(candles, code, warmup_candles_num(), period)
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _rsi(source, period)
    return float(_last_rsi(source, period))
