"""SMA - simple moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import warmup_candles_num
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import cached_forming, cached_last
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _last_sma(x, period):
    # _kernels.sma(x, period)[-1] without the array: the same running sum, so the same bits
    n = x.shape[0]
    if n < period or period < 1:
        return np.nan
    total = 0.0
    count = 0
    for i in range(period):
        if not np.isnan(x[i]):
            total += x[i]
            count += 1
    for i in range(period, n):
        old = x[i - period]
        if not np.isnan(old):
            total -= old
            count -= 1
        new = x[i]
        if not np.isnan(new):
            total += new
            count += 1
    return total / count if count > 0 else np.nan


@numba.njit(cache=True)
def _last_sma_rows(c, code, warm, period):
    # _last_sma on the trailing ``warm`` rows of the source ``code`` of 2-D candles (the fast lane)
    n = c.shape[0]
    s = _kernels.window_start(n, warm)
    if n - s < period or period < 1:
        return np.nan
    if code < 6:
        clean = True
        for i in range(s, n):
            if np.isnan(c[i, code]):
                clean = False
                break
        if clean:
            # no NaN: the same running sum without the bookkeeping (count stays ``period``): the same bits
            total = 0.0
            for i in range(s, s + period):
                total += c[i, code]
            for i in range(s + period, n):
                total -= c[i - period, code]
                total += c[i, code]
            return total / period
    total = 0.0
    count = 0
    for i in range(s, s + period):
        v = _kernels.source_at(c, i, code)
        if not np.isnan(v):
            total += v
            count += 1
    for i in range(s + period, n):
        old = _kernels.source_at(c, i - period, code)
        if not np.isnan(old):
            total -= old
            count -= 1
        new = _kernels.source_at(c, i, code)
        if not np.isnan(new):
            total += new
            count += 1
    return total / count if count > 0 else np.nan


@numba.njit(cache=True)
def _sma_windows(x, period, warm, lo, hi):
    out = np.empty(hi - lo)
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo] = _last_sma(x[s:e], period)
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
        out[j] = _last_sma(buf, period)
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
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _last_sma_rows(candles, code, warmup_candles_num(), period)
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _kernels.sma(source, period)
    return float(_last_sma(source, period))
