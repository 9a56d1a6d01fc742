"""EMA - exponential moving average (Jesse's seed: the first value, not an SMA)."""
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
def _ema_windows(x, period, warm, lo, hi, lanes):
    # the last value of the EMA on each trailing window (slice_candles' rows), for views of lo..hi-1 rows:
    # _last_ema(x[s:e]) with s = e - warm when warm > 0 and e > warm, else 0, the same operations per window
    out = np.empty(hi - lo)
    alpha = 2.0 / (period + 1.0)
    keep = 1.0 - alpha
    # windows that start at row 0 (prefixes): one pass gives every prefix's value
    pre = hi if warm <= 0 else min(hi, warm + 1)
    if lo < pre:
        y = x[0]
        for e in range(1, pre):
            if e > 1:
                y = alpha * x[e - 1] + keep * y
            if e >= lo:
                out[e - lo] = np.nan if period > e else y
    first = max(lo, pre)
    if first >= hi:
        return out
    if period > warm:
        out[first - lo:] = np.nan
        return out
    # fixed-length windows x[e-warm:e], ``lanes`` at a time (independent recurrences: the CPU overlaps them
    # and LLVM vectorizes the loop over the lanes, a runtime count over slices)
    lanes = max(1, min(lanes, hi - first))
    y = np.empty(lanes)
    for e0 in range(first, hi, lanes):
        m = min(lanes, hi - e0)
        s0 = e0 - warm
        for j in range(m):  # (loops: slice assignment compiles numba's shape-error formatting, ~4 s cold)
            y[j] = x[s0 + j]
        for t in range(1, warm):
            xs = x[s0 + t:s0 + t + m]
            for j in range(m):
                y[j] = alpha * xs[j] + keep * y[j]
        for j in range(m):
            out[e0 - lo + j] = y[j]
    return out


@numba.njit(cache=True)
def _ema_forming(x, fx, completes, period, warm):
    # The last value on each trailing window that ends with a forming candle (source value ``fx``):
    # _last_ema of x[s:c] then fx[j]. Ticks of one bucket share c (and so s): the recurrence over the
    # complete rows runs once per bucket, then one step with each tick's forming value (the same bits).
    out = np.empty(completes.shape[0])
    alpha = 2.0 / (period + 1.0)
    keep = 1.0 - alpha
    last_c = -1
    y_complete = 0.0
    for j in range(completes.shape[0]):
        c = completes[j]
        s = c + 1 - warm if (warm > 0 and c + 1 > warm) else 0
        if period > c + 1 - s:
            out[j] = np.nan
        elif c == s:
            out[j] = fx[j]
        else:
            if c != last_c:
                y = x[s]
                for i in range(s + 1, c):
                    y = alpha * x[i] + keep * y
                y_complete = y
                last_c = c
            out[j] = alpha * fx[j] + keep * y_complete
    return out


def _memo_ema(candles, period, source_type):
    v = cached_last(candles, ("ema", period, source_type),
                    lambda slot, w, lo, hi: scalars(_ema_windows(slot.source(source_type), period, w, lo, hi,
                                                         _kernels.LANES)))
    if v is None:
        v = cached_forming(candles, ("ema", period, source_type), source_type,
                           lambda x, fx, completes, w: scalars(_ema_forming(x, fx, completes, period, w)))
    return v


def ema(candles: np.ndarray, period: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """EMA with alpha ``2/(period+1)`` seeded at the first value; all NaN when ``period`` > length.

    Example:
        >>> import numpy as np
        >>> round(ema(np.array([1.0, 2.0, 3.0]), 2), 4)
        np.float64(2.5556)
    """
    if not sequential and (memo := active_memo()) is not None:
        # inside a backtest: a memo hit first, else the memo computes a run of bars ahead
        v = memo_hit(memo, candles, ("ema", period, source_type))
        if v is not None:
            return v
        period = check_period(period)
        v = _memo_ema(candles, period, source_type)
        if v is not None:
            return v
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_ema_rows(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _kernels.ema(source, period)
    return _f64(_last_ema(source, period))
