"""RSI - relative strength index (Wilder's smoothing)."""
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


# trailing windows advanced together: independent recurrences, so the CPU overlaps their divisions (and LLVM
# vectorizes the loop over them when the count is a runtime value over array slices)
_LANES = 16


# IEEE division (error_model='numpy'): no zero test per division, which also lets LLVM vectorize; every
# division that can meet a zero is guarded or discarded, as in the per-call kernel
@numba.njit(cache=True, error_model="numpy")
def _rsi_windows(x, period, warm, lo, hi, lanes):
    # _last_rsi(x[s:e]) for every e in lo..hi-1 (s = e - warm when warm > 0 and e > warm, else 0), the same
    # operations in the same order per window, so the same bits
    out = np.empty(hi - lo)
    p = float(period)
    pm1 = period - 1.0
    # windows that start at row 0 (prefixes): one pass gives every prefix's value
    pre = hi if warm <= 0 else min(hi, warm + 1)
    if lo < pre:
        gain = 0.0
        loss = 0.0
        for e in range(1, pre):
            i = e - 1  # the row that ends the prefix x[:e]
            if i >= 1:
                d = x[i] - x[i - 1]
                if i <= period:
                    if d > 0.0:
                        gain += d
                    else:
                        loss -= d
                    if i == period:
                        gain /= period
                        loss /= period
                else:
                    up = d if d > 0.0 else 0.0
                    dn = -d if d <= 0.0 else 0.0
                    gain = (gain * pm1 + up) / p
                    loss = (loss * pm1 + dn) / p
            if e >= lo:
                if e <= period:
                    out[e - lo] = np.nan
                else:
                    out[e - lo] = 100.0 if loss == 0.0 else 100.0 - 100.0 / (1.0 + gain / loss)
    first = max(lo, pre)
    if first >= hi:
        return out
    if warm <= period:
        out[first - lo:] = np.nan
        return out
    # fixed-length windows x[e-warm:e], ``lanes`` at a time: lane j of a block ending at e0 + j reads the
    # changes d[k] = x[k] - x[k-1] at k = e0 - warm + j + t (precomputed once, padded for the last block)
    base = first - warm
    nd = hi - base + lanes
    d = np.zeros(nd)
    ups = np.zeros(nd)
    dns = np.zeros(nd)
    for k in range(1, hi - base):
        dd = x[base + k] - x[base + k - 1]
        d[k] = dd
        ups[k] = dd if dd > 0.0 else 0.0
        dns[k] = -dd if dd <= 0.0 else 0.0
    lanes = max(1, min(lanes, hi - first))  # a single window (a sparse call) does no extra work
    g = np.empty(lanes)
    lq = np.empty(lanes)
    for e0 in range(first, hi, lanes):
        off = e0 - warm - base  # index in d of the block's first window start
        for j in range(lanes):
            gj = 0.0
            lj = 0.0
            if e0 + j < hi:
                for i in range(1, period + 1):
                    dd = d[off + j + i]
                    if dd > 0.0:
                        gj += dd
                    else:
                        lj -= dd
            g[j] = gj / period
            lq[j] = lj / period
        for t in range(period + 1, warm):
            row = off + t
            u = ups[row:row + lanes]
            dn = dns[row:row + lanes]
            for j in range(lanes):  # (a runtime count over slices: LLVM vectorizes this loop)
                g[j] = (g[j] * pm1 + u[j]) / p
                lq[j] = (lq[j] * pm1 + dn[j]) / p
        for j in range(min(lanes, hi - e0)):
            out[e0 + j - lo] = 100.0 if lq[j] == 0.0 else 100.0 - 100.0 / (1.0 + g[j] / lq[j])
    return out


@numba.njit(cache=True)
def _rsi_forming(x, fx, completes, period, warm):
    # the last value on each trailing window that ends with a forming candle (source value ``fx``)
    out = np.empty(completes.shape[0])
    for j in range(completes.shape[0]):
        c = completes[j]
        s = c + 1 - warm if (warm > 0 and c + 1 > warm) else 0
        buf = np.empty(c + 1 - s)
        for q in range(c - s):  # (a loop: slice assignment compiles numba's shape-error formatting, ~4 s cold)
            buf[q] = x[s + q]
        buf[c - s] = fx[j]
        out[j] = _last_rsi(buf, period)
    return out


def _memo_rsi(candles, period, source_type):
    v = cached_last(candles, ("rsi", period, source_type),
                    lambda slot, w, lo, hi: scalars(_rsi_windows(slot.source(source_type), period, w, lo, hi, _LANES)))
    if v is None:
        v = cached_forming(candles, ("rsi", period, source_type), source_type,
                           lambda x, fx, completes, w: scalars(_rsi_forming(x, fx, completes, period, w)))
    return v


def rsi(candles: np.ndarray, period: int = 14, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """RSI with averages seeded by the mean of the first ``period`` changes; first value at ``period``.

    Example:
        >>> import numpy as np
        >>> rsi(np.arange(1.0, 30.0))
        np.float64(100.0)
    """
    if not sequential and (memo := active_memo()) is not None:
        # inside a backtest: a memo hit first, else the memo computes a run of bars ahead
        v = memo_hit(memo, candles, ("rsi", period, source_type))
        if v is not None:
            return v
        period = check_period(period)
        v = _memo_rsi(candles, period, source_type)
        if v is not None:
            return v
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_rsi_rows(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _rsi(source, period)
    return _f64(_last_rsi(source, period))
