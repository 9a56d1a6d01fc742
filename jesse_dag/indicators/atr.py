"""ATR - average true range (Wilder's RMA of the true range, SMA seed)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import active_memo, memo_hit, cached_last, check_period, ohlcv, scalars

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _tr(c, i):
    # TR0 = H0 - L0, then max(H-L, |H-C[-1]|, |L-C[-1]|): the same operations as _kernels.true_range
    if i == 0:
        return c[0, HIGH] - c[0, LOW]
    hl = c[i, HIGH] - c[i, LOW]
    hc = abs(c[i, HIGH] - c[i - 1, CLOSE])
    lc = abs(c[i, LOW] - c[i - 1, CLOSE])
    return max(hl, max(hc, lc))


# Wilder's smoothing y <- y + a (tr - y) is y <- b y + a tr with b = 1 - a. Taken four rows at a time,
# y[i+4] = b^4 y[i] + a ((b^3 t0 + b^2 t1) + (b t2 + t3)): the chain from one block to the next is one multiply
# and one add instead of four of each, and the rest runs in parallel (about 2x faster on a 240-row window).
# The rows inside a block (and a window's last rows) use the shorter forms in _step. Every kernel below takes
# the same blocks from the same first row, so they all give the same bits. Jesse's y + a (tr - y) differs
# from this by rounding only (relative 1e-15 on the parity candles).
@numba.njit(cache=True, inline="always")
def _powers(period):
    a = 1.0 / period
    b = 1.0 - a
    b2 = b * b
    return a, b, b2, b2 * b, b2 * b2


@numba.njit(cache=True, inline="always")
def _block(y, t0, t1, t2, t3, a, b, b2, b3, b4):
    return b4 * y + a * ((b3 * t0 + b2 * t1) + (b * t2 + t3))


@numba.njit(cache=True, inline="always")
def _step(y, m, t0, t1, t2, a, b, b2, b3):
    # the value m (1-3) rows into a block
    if m == 1:
        return b * y + a * t0
    if m == 2:
        return b2 * y + a * (b * t0 + t1)
    return b3 * y + a * ((b2 * t0 + b * t1) + t2)


@numba.njit(cache=True, inline="always")
def _tr_of(h, lo, pc):
    return max(h - lo, max(abs(h - pc), abs(lo - pc)))


_U1, _U2, _U3 = np.uint64(1), np.uint64(2), np.uint64(3)


@numba.njit(cache=True, inline="always")
def _tr4(c, i):
    # the true ranges of rows i..i+3 (i > 0), each row's close loaded once. Scalar loads (see scalar_row), and
    # an unsigned row index: numba then adds no negative-index wraparound to each of the eleven loads
    k = _kernels.scalar_row(np.uint64(i))
    pc = c[k - _U1, CLOSE]
    c0 = c[k, CLOSE]
    c1 = c[k + _U1, CLOSE]
    c2 = c[k + _U2, CLOSE]
    return (_tr_of(c[k, HIGH], c[k, LOW], pc), _tr_of(c[k + _U1, HIGH], c[k + _U1, LOW], c0),
            _tr_of(c[k + _U2, HIGH], c[k + _U2, LOW], c1), _tr_of(c[k + _U3, HIGH], c[k + _U3, LOW], c2))


@numba.njit(cache=True, inline="always")
def _tail(c, i, m):
    # the true ranges of the last m (< 4) rows from i, zero-padded
    t0 = _tr(c, i) if m > 0 else 0.0
    t1 = _tr(c, i + 1) if m > 1 else 0.0
    t2 = _tr(c, i + 2) if m > 2 else 0.0
    return t0, t1, t2


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
    a, b, b2, b3, b4 = _powers(period)
    i = period
    while i + 4 <= n:
        t0, t1, t2, t3 = _tr4(c, i)
        out[i] = _step(y, 1, t0, t1, t2, a, b, b2, b3)
        out[i + 1] = _step(y, 2, t0, t1, t2, a, b, b2, b3)
        out[i + 2] = _step(y, 3, t0, t1, t2, a, b, b2, b3)
        y = _block(y, t0, t1, t2, t3, a, b, b2, b3, b4)
        out[i + 3] = y
        i += 4
    m = n - i
    if m > 0:
        t0, t1, t2 = _tail(c, i, m)
        for j in range(m):
            out[i + j] = _step(y, j + 1, t0, t1, t2, a, b, b2, b3)
    return out


@numba.njit(cache=True)
def _last_atr(c, period):
    # _atr(c, period)[-1] without the array: the same blocks, so the same bits
    n = c.shape[0]
    if n < period:
        return np.nan
    total = 0.0
    for i in range(period):
        total += _tr(c, i)
    y = total / period
    a, b, b2, b3, b4 = _powers(period)
    i = period
    while i + 4 <= n:
        t0, t1, t2, t3 = _tr4(c, i)
        y = _block(y, t0, t1, t2, t3, a, b, b2, b3, b4)
        i += 4
    m = n - i
    if m > 0:
        t0, t1, t2 = _tail(c, i, m)
        y = _step(y, m, t0, t1, t2, a, b, b2, b3)
    return y


@numba.njit(cache=True)
def _atr_windows(c, period, warm, lo, hi, lanes):
    # _last_atr(c[s:e]) for every e in lo..hi-1 (s = e - warm when warm > 0 and e > warm, else 0), the same
    # operations per window. A window's first row has TR = H - L; every later row's TR uses the row before it,
    # so those are computed once for the whole run (the same bits) and the sums then run per window.
    out = np.empty(hi - lo)
    pre = hi if warm <= 0 else min(hi, warm + 1)
    if lo < pre:
        # windows that start at row 0 are prefixes, and _atr's row e - 1 is the value of the prefix of e rows
        seq = _atr(c[:pre - 1], period)
        for e in range(lo, pre):
            out[e - lo] = np.nan if e < 1 else seq[e - 1]
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
    a, b, b2, b3, b4 = _powers(period)
    m_tail = (warm - period) % 4
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
        t = period
        while t + 4 <= warm:
            s0 = trs[off + t:off + t + m]
            s1 = trs[off + t + 1:off + t + 1 + m]
            s2 = trs[off + t + 2:off + t + 2 + m]
            s3 = trs[off + t + 3:off + t + 3 + m]
            for j in range(m):
                y[j] = _block(y[j], s0[j], s1[j], s2[j], s3[j], a, b, b2, b3, b4)
            t += 4
        if m_tail > 0:
            for j in range(m):
                t0 = trs[off + t + j]
                t1 = trs[off + t + 1 + j] if m_tail > 1 else 0.0
                t2 = trs[off + t + 2 + j] if m_tail > 2 else 0.0
                y[j] = _step(y[j], m_tail, t0, t1, t2, a, b, b2, b3)
        for j in range(m):  # (a loop: slice assignment compiles numba's shape-error formatting, ~4 s cold)
            out[e0 - lo + j] = y[j]
    return out


@numba.njit(cache=True)
def _last_atr_tail(c, warm, period):
    # _last_atr on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    return _last_atr(c[_kernels.window_start(c.shape[0], warm):], period)


def _memo_atr(candles, period):
    return cached_last(candles, ("atr", period),
                       lambda slot, w, lo, hi: scalars(_atr_windows(slot.pristine, period, w, lo, hi, _kernels.LANES)))


def atr(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """ATR: mean of the first ``period`` true ranges at ``period-1``, then Wilder smoothing.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> atr(candles_from_close_prices(np.linspace(100, 120, 50))) > 0
        np.True_
    """
    if not sequential and (memo := active_memo()) is not None:
        # inside a backtest: a memo hit first, else the memo computes a run of bars ahead
        v = memo_hit(memo, candles, ("atr", period))
        if v is not None:
            return v
        period = check_period(period)
        v = _memo_atr(candles, period)
        if v is not None:
            return v
    period = check_period(period)
    if not sequential:
        if _kernels.plain_source_code(candles) >= 0:
            return _f64(_last_atr_tail(candles, _warmup_now(), period))
        return _f64(_last_atr(ohlcv(candles, False, "atr"), period))
    return _atr(ohlcv(candles, True, "atr"), period)
