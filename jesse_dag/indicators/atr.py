"""ATR - average true range (Wilder's RMA of the true range, SMA seed)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag._config import _warmup_candles_num
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import _window_cache, cached_last, memo_hit
from jesse_dag.indicators._fastpath import check_period, ohlcv


@numba.njit(cache=True, inline="always")
def _tr(c, i):
    # TR0 = H0 - L0, then max(H-L, |H-C[-1]|, |L-C[-1]|): the same operations as _kernels.true_range
    if i == 0:
        return c[0, HIGH] - c[0, LOW]
    hl = c[i, HIGH] - c[i, LOW]
    hc = abs(c[i, HIGH] - c[i - 1, CLOSE])
    lc = abs(c[i, LOW] - c[i - 1, CLOSE])
    return max(hl, max(hc, lc))


@numba.njit(cache=True)
def _atr(c, period):
    # true range and Wilder's RMA fused in one pass over the rows (no true-range temporary, no column copies)
    n = c.shape[0]
    out = np.empty(n)
    if n < period:
        out[:] = np.nan
        return out
    total = 0.0
    for i in range(period - 1):
        total += _tr(c, i)
        out[i] = np.nan
    total += _tr(c, period - 1)
    y = total / period
    out[period - 1] = y
    alpha = 1.0 / period
    for i in range(period, n):
        y = y + alpha * (_tr(c, i) - y)
        out[i] = y
    return out


@numba.njit(cache=True)
def _last_atr(c, period):
    # _atr(c, period)[-1] without the array: the same recurrence, so the same bits
    n = c.shape[0]
    if n < period:
        return np.nan
    total = 0.0
    for i in range(period):
        total += _tr(c, i)
    y = total / period
    alpha = 1.0 / period
    for i in range(period, n):
        y = y + alpha * (_tr(c, i) - y)
    return y


@numba.njit(cache=True)
def _atr_windows(c, period, warm, lo, hi, lanes):
    # _last_atr(c[s:e]) for every e in lo..hi-1 (s = e - warm when warm > 0 and e > warm, else 0), the same
    # operations per window. A window's first row has TR = H - L; every later row's TR uses the row before it,
    # so those are computed once for the whole run (the same bits) and the sums then run per window.
    out = np.empty(hi - lo)
    alpha = 1.0 / period
    pre = hi if warm <= 0 else min(hi, warm + 1)
    if lo < pre:
        # windows that start at row 0 are prefixes: one pass gives every prefix's value
        total = 0.0
        y = np.nan
        for e in range(1, pre):
            i = e - 1
            if i < period:
                total += _tr(c, i)
                if i == period - 1:
                    y = total / period
            else:
                y = y + alpha * (_tr(c, i) - y)
            if e >= lo:
                out[e - lo] = np.nan if e < period else y
    first = max(lo, pre)
    if first >= hi:
        return out
    if warm < period:
        out[first - lo:] = np.nan
        return out
    lanes = max(1, min(lanes, hi - first))
    base = first - warm
    nr = hi - base
    trs = np.empty(nr)
    hls = np.empty(nr)
    for k in range(nr):
        i = base + k
        hls[k] = c[i, HIGH] - c[i, LOW]
        trs[k] = _tr(c, i) if i > 0 else hls[k]
    tot = np.empty(lanes)
    y = np.empty(lanes)
    for e0 in range(first, hi, lanes):
        m = min(lanes, hi - e0)
        off = e0 - warm - base
        hs = hls[off:off + m]
        for j in range(m):
            tot[j] = 0.0 + hs[j]
        for t in range(1, period):
            ts = trs[off + t:off + t + m]
            for j in range(m):
                tot[j] += ts[j]
        for j in range(m):
            y[j] = tot[j] / period
        for t in range(period, warm):
            ts = trs[off + t:off + t + m]
            for j in range(m):
                y[j] = y[j] + alpha * (ts[j] - y[j])
        out[e0 - lo:e0 - lo + m] = y[:m]
    return out


@numba.njit(cache=True)
def _last_atr_tail(c, warm, period):
    # _last_atr on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    return _last_atr(c[_kernels.window_start(c.shape[0], warm):], period)


def _memo_atr(candles, period):
    return cached_last(candles, ("atr", period),
                       lambda slot, w, lo, hi: _atr_windows(slot.pristine, period, w, lo, hi, _kernels.LANES).tolist())


def atr(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """ATR: mean of the first ``period`` true ranges at ``period-1``, then Wilder smoothing.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> atr(candles_from_close_prices(np.linspace(100, 120, 50))) > 0
        True
    """
    if not sequential and _window_cache.get() is not None:
        # inside a backtest: a memo hit first (its key was validated when the entry was made), else the
        # memo computes a run of bars ahead
        v = memo_hit(candles, ("atr", period))
        if v is not None:
            return v
        period = check_period(period)
        v = _memo_atr(candles, period)
        if v is not None:
            return v
    period = check_period(period)
    if not sequential:
        if _kernels.plain_source_code(candles) >= 0:
            return _last_atr_tail(candles, _warmup_candles_num.get(), period)
        return float(_last_atr(ohlcv(candles, False, "atr"), period))
    return _atr(ohlcv(candles, True, "atr"), period)
