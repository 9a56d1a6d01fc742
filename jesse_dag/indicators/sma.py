"""SMA - simple moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import (
    active_memo, cached_forming, cached_last, check_period, memo_hit, scalars, source_of,
)

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


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
        # the running sum without the NaN bookkeeping (count stays ``period``: the same bits), NaN noticed on
        # the way (each row is read once as the new value); with a NaN the sum is dropped for the general loop
        bad = False
        total = 0.0
        for i in range(s, s + period):
            v = c[i, code]
            bad |= v != v
            total += v
        for i in range(s + period, n):
            v = c[i, code]
            bad |= v != v
            total -= c[i - period, code]
            total += v
        if not bad:
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
def _sma_windows(x, period, warm, lo, hi, lanes):
    # _last_sma(x[s:e]) for every e in lo..hi-1 (s = e - warm when warm > 0 and e > warm, else 0): the same
    # running sum and NaN count per window; windows of full length run ``lanes`` at a time, written with
    # selects over slices so that LLVM vectorizes the loop over the lanes
    out = np.empty(hi - lo)
    first = hi if warm <= 0 else min(hi, max(lo, warm + 1))
    for e in range(lo, first):
        out[e - lo] = _last_sma(x[:e], period)
    if first >= hi:
        return out
    if warm < period or period < 1:
        out[first - lo:] = np.nan
        return out
    lanes = max(1, min(lanes, hi - first))
    total = np.empty(lanes)
    count = np.empty(lanes, dtype=np.int64)
    for e0 in range(first, hi, lanes):
        m = min(lanes, hi - e0)
        b = e0 - warm
        total[:m] = 0.0
        count[:m] = 0
        for t in range(period):
            xs = x[b + t:b + t + m]
            for j in range(m):
                v = xs[j]
                keep = not np.isnan(v)
                total[j] = total[j] + v if keep else total[j]
                count[j] = count[j] + 1 if keep else count[j]
        for t in range(period, warm):
            xs = x[b + t:b + t + m]
            olds = x[b + t - period:b + t - period + m]
            for j in range(m):
                o = olds[j]
                gone = not np.isnan(o)
                tj = total[j] - o if gone else total[j]
                cj = count[j] - 1 if gone else count[j]
                v = xs[j]
                keep = not np.isnan(v)
                total[j] = tj + v if keep else tj
                count[j] = cj + 1 if keep else cj
        for j in range(m):
            out[e0 + j - lo] = total[j] / count[j] if count[j] > 0 else np.nan
    return out


@numba.njit(cache=True)
def _sma_forming(x, fx, completes, period, warm):
    # the last value on each trailing window that ends with a forming candle (source value ``fx``)
    out = np.empty(completes.shape[0])
    for j in range(completes.shape[0]):
        c = completes[j]
        s = c + 1 - warm if (warm > 0 and c + 1 > warm) else 0
        buf = np.empty(c + 1 - s)
        for q in range(c - s):  # (a loop: slice assignment compiles numba's shape-error formatting, ~4 s cold)
            buf[q] = x[s + q]
        buf[c - s] = fx[j]
        out[j] = _last_sma(buf, period)
    return out


def _memo_sma(candles, period, source_type):
    v = cached_last(candles, ("sma", period, source_type),
                    lambda slot, w, lo, hi: scalars(_sma_windows(slot.source(source_type), period, w, lo, hi,
                                                         _kernels.LANES)))
    if v is None:
        v = cached_forming(candles, ("sma", period, source_type), source_type,
                           lambda x, fx, completes, w: scalars(_sma_forming(x, fx, completes, period, w)))
    return v


def sma(candles: np.ndarray, period: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Mean of the trailing ``period`` values; NaN for the first ``period-1`` rows.

    Example:
        >>> import numpy as np
        >>> sma(np.array([1.0, 2.0, 3.0]), 2)
        np.float64(2.5)
    """
    if not sequential and (memo := active_memo()) is not None:
        # inside a backtest: a memo hit first, else the memo computes a run of bars ahead
        v = memo_hit(memo, candles, ("sma", period, source_type))
        if v is not None:
            return v
        period = check_period(period)
        v = _memo_sma(candles, period, source_type)
        if v is not None:
            return v
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_sma_rows(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _kernels.sma(source, period)
    return _f64(_last_sma(source, period))
