"""SuperTrend: ATR bands around hl2 that ratchet with the trend."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import (
    active_memo, cached_last, check_number, check_period, memo_hit, named_rows, ohlcv, scalar_rows,
)

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

SuperTrend = namedtuple("SuperTrend", ["trend", "changed"])

# trailing windows advanced together in the memo's runs (independent recurrences the CPU overlaps)
_LANES = 16


@numba.njit(cache=True)
def _supertrend_run(c, period, factor, trend, changed):
    # ATR (true range + Wilder's RMA, SMA seed), the hl2 bands and the trend switch fused in one pass over
    # the rows of the 2-D candles. Writes every row of ``trend``/``changed`` when they have one (0.0 before
    # ``period-1``); returns the last (trend, changed).
    n = c.shape[0]
    write = trend.shape[0] == n
    if write:
        trend[:] = 0.0
        changed[:] = 0.0
    if n < period:
        return 0.0, 0.0
    # the seed: the mean of the first ``period`` true ranges (TR0 = H0 - L0)
    total = c[0, HIGH] - c[0, LOW]
    for i in range(1, period):
        hl = c[i, HIGH] - c[i, LOW]
        hc = abs(c[i, HIGH] - c[i - 1, CLOSE])
        lc = abs(c[i, LOW] - c[i - 1, CLOSE])
        total += max(hl, max(hc, lc))
    atr = total / period
    p = period - 1
    mid = (c[p, HIGH] + c[p, LOW]) / 2.0
    up = mid + factor * atr
    dn = mid - factor * atr
    t = up if c[p, CLOSE] <= up else dn
    ch = 0.0
    if write:
        trend[p] = t
    alpha = 1.0 / period
    for i in range(period, n):
        h = c[i, HIGH]
        lw = c[i, LOW]
        pc = c[i - 1, CLOSE]
        hl = h - lw
        hc = abs(h - pc)
        lc = abs(lw - pc)
        atr = atr + alpha * (max(hl, max(hc, lc)) - atr)
        mid = (h + lw) / 2.0
        nup = mid + factor * atr
        ndn = mid - factor * atr
        if pc <= up:
            nup = min(nup, up)
        if pc >= dn:
            ndn = max(ndn, dn)
        cl = c[i, CLOSE]
        ch = 0.0
        if t == up:
            if cl <= nup:
                t = nup
            else:
                t = ndn
                ch = 1.0
        else:
            if cl >= ndn:
                t = ndn
            else:
                t = nup
                ch = 1.0
        up = nup
        dn = ndn
        if write:
            trend[i] = t
            changed[i] = ch
    return t, ch


@numba.njit(cache=True)
def _supertrend(c, period, factor):
    n = c.shape[0]
    trend = np.empty(n)
    changed = np.empty(n)
    _supertrend_run(c, period, factor, trend, changed)
    return trend, changed


@numba.njit(cache=True)
def _last_supertrend(c, period, factor):
    empty = np.empty(0)
    return _supertrend_run(c, period, factor, empty, empty)


@numba.njit(cache=True)
def _supertrend_windows(c, period, factor, warm, lo, hi, lanes):
    # _last_supertrend(c[s:e]) for every e in lo..hi-1 (s = e - warm when warm > 0 and e > warm, else 0), the
    # same operations per window, so the same bits
    out = np.empty((hi - lo, 2))
    empty = np.empty(0)
    first = hi if warm < period else min(hi, max(lo, warm + 1))
    for e in range(lo, first):  # prefixes, and windows too short for a value: one at a time
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo, 0], out[e - lo, 1] = _supertrend_run(c[s:e], period, factor, empty, empty)
    if first >= hi:
        return out
    # fixed-length windows c[e-warm:e], ``lanes`` at a time (independent recurrences). What a row gives every
    # window that reads it past its first row (its true range, hl2, previous close, close: the operations of
    # _supertrend_run) is computed once, in contiguous rows, so that lane j of a block reads element j of
    # slices: with the trend switch written as selects, LLVM vectorizes the loop over the lanes (~2x).
    base = first - warm
    lanes = max(1, min(lanes, hi - first))
    rows = np.zeros((4, hi - base + lanes))  # (padded: the lanes past ``hi`` of the last block are dropped)
    tr = rows[0]
    mid = rows[1]
    prev_close = rows[2]
    close = rows[3]
    for i in range(base + 1, hi):
        hl = c[i, HIGH] - c[i, LOW]
        hc = abs(c[i, HIGH] - c[i - 1, CLOSE])
        lc = abs(c[i, LOW] - c[i - 1, CLOSE])
        k = i - base
        tr[k] = max(hl, max(hc, lc))
        mid[k] = (c[i, HIGH] + c[i, LOW]) / 2.0
        prev_close[k] = c[i - 1, CLOSE]
        close[k] = c[i, CLOSE]
    state = np.empty((5, lanes))
    atr = state[0]
    up = state[1]
    dn = state[2]
    t = state[3]
    ch = state[4]
    alpha = 1.0 / period
    for e0 in range(first, hi, lanes):
        for j in range(lanes):
            s = min(e0 + j, hi - 1) - warm
            total = c[s, HIGH] - c[s, LOW]
            for i in range(s + 1, s + period):
                total += tr[i - base]
            a = total / period
            p = s + period - 1
            md = (c[p, HIGH] + c[p, LOW]) / 2.0
            u = md + factor * a
            d = md - factor * a
            t[j] = u if c[p, CLOSE] <= u else d
            ch[j] = 0.0
            atr[j] = a
            up[j] = u
            dn[j] = d
        for r in range(period, warm):
            k0 = e0 - warm + r - base  # the row lane 0 reads
            trs = tr[k0:k0 + lanes]
            mids = mid[k0:k0 + lanes]
            pcs = prev_close[k0:k0 + lanes]
            cls = close[k0:k0 + lanes]
            for j in range(lanes):
                aj = atr[j]
                a = aj + alpha * (trs[j] - aj)
                atr[j] = a
                md = mids[j]
                nup = md + factor * a
                ndn = md - factor * a
                uj = up[j]
                dj = dn[j]
                pc = pcs[j]
                nup = min(nup, uj) if pc <= uj else nup
                ndn = max(ndn, dj) if pc >= dj else ndn
                cj = cls[j]
                was_up = t[j] == uj
                stay = cj <= nup if was_up else cj >= ndn  # the trend holds
                t[j] = nup if was_up == stay else ndn
                ch[j] = 0.0 if stay else 1.0
                up[j] = nup
                dn[j] = ndn
        for j in range(min(lanes, hi - e0)):
            out[e0 + j - lo, 0] = t[j]
            out[e0 + j - lo, 1] = ch[j]
    return out


@numba.njit(cache=True)
def _last_supertrend_tail(c, warm, period, factor):
    # _last_supertrend on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    return _last_supertrend(c[_kernels.window_start(c.shape[0], warm):], period, factor)


def _memo_supertrend(candles, period, factor):
    return cached_last(candles, ("supertrend", period, factor),
                       lambda slot, w, lo, hi: named_rows(SuperTrend, scalar_rows(_supertrend_windows(
                           slot.pristine, period, factor, w, lo, hi, _LANES))))


def supertrend(candles: np.ndarray, period: int = 10, factor: float = 3,
               sequential: bool = False) -> SuperTrend:
    """SuperTrend(trend, changed); ``trend`` is 0.0 before ``period-1``, ``changed`` is 0.0/1.0.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> supertrend(candles_from_close_prices(np.linspace(100, 120, 50))).changed
        np.float64(0.0)
    """
    if not sequential and (memo := active_memo()) is not None:
        # inside a backtest: a memo hit first, else the memo computes a run of bars ahead
        v = memo_hit(memo, candles, ("supertrend", period, factor))
        if v is not None:
            return v
        period = check_period(period)
        factor = check_number(factor, "factor")
        v = _memo_supertrend(candles, period, factor)
        if v is not None:
            return v
    period = check_period(period)
    factor = check_number(factor, "factor")
    if not sequential:
        if _kernels.plain_source_code(candles) >= 0:
            return SuperTrend(*map(_f64, _last_supertrend_tail(candles, _warmup_now(), period, factor)))
        return SuperTrend(*map(_f64, _last_supertrend(ohlcv(candles, False, "supertrend"), period, factor)))
    return SuperTrend(*_supertrend(ohlcv(candles, True, "supertrend"), period, factor))
