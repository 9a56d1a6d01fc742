"""MACD - moving average convergence/divergence (EMAs seeded at the first value)."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import (
    active_memo, cached_last, check_period, memo_hit, named_rows, scalar_rows, source_of,
)

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

MACD = namedtuple("MACD", ["macd", "signal", "hist"])


@numba.njit(cache=True)
def _macd(x, fast, slow, signal):
    n = x.shape[0]
    line = np.empty(n)
    sig = np.empty(n)
    hist = np.empty(n)
    if n == 0:
        return line, sig, hist
    af = 2.0 / (fast + 1.0)
    a_s = 2.0 / (slow + 1.0)
    ag = 2.0 / (signal + 1.0)
    ef = x[0]
    es = x[0]
    s = 0.0
    for i in range(n):
        if i > 0:
            ef = af * x[i] + (1.0 - af) * ef
            es = a_s * x[i] + (1.0 - a_s) * es
        raw = ef - es
        # Jesse feeds a NaN MACD value to the signal EMA as 0 but keeps it NaN in the histogram
        clean = 0.0 if np.isnan(raw) else raw
        s = clean if i == 0 else ag * clean + (1.0 - ag) * s
        line[i] = clean
        sig[i] = s
        hist[i] = raw - s
    return line, sig, hist


@numba.njit(cache=True)
def _last_macd(x, fast, slow, signal):
    # the last row of _macd without the arrays: the same recurrences, so the same bits
    n = x.shape[0]
    if n == 0:
        # _macd returns empty arrays here and Jesse's [-1] fails the same way
        raise IndexError("index -1 is out of bounds for axis 0 with size 0")
    af = 2.0 / (fast + 1.0)
    a_s = 2.0 / (slow + 1.0)
    ag = 2.0 / (signal + 1.0)
    ef = x[0]
    es = x[0]
    raw = ef - es
    s = 0.0 if np.isnan(raw) else raw
    for i in range(1, n):
        ef = af * x[i] + (1.0 - af) * ef
        es = a_s * x[i] + (1.0 - a_s) * es
        raw = ef - es
        clean = 0.0 if np.isnan(raw) else raw
        s = ag * clean + (1.0 - ag) * s
    return (0.0 if np.isnan(raw) else raw), s, raw - s


@numba.njit(cache=True)
def _last_macd_rows(c, code, warm, fast, slow, signal):
    # _last_macd on the trailing ``warm`` rows of the source ``code`` of 2-D candles (the fast lane)
    n = c.shape[0]
    s0 = _kernels.window_start(n, warm)
    af = 2.0 / (fast + 1.0)
    a_s = 2.0 / (slow + 1.0)
    ag = 2.0 / (signal + 1.0)
    ef = _kernels.source_at(c, s0, code)
    es = ef
    raw = ef - es
    s = 0.0 if np.isnan(raw) else raw
    for i in range(s0 + 1, n):
        x = _kernels.source_at(c, i, code)
        ef = af * x + (1.0 - af) * ef
        es = a_s * x + (1.0 - a_s) * es
        raw = ef - es
        clean = 0.0 if np.isnan(raw) else raw
        s = ag * clean + (1.0 - ag) * s
    return (0.0 if np.isnan(raw) else raw), s, raw - s


@numba.njit(cache=True)
def _macd_windows(x, fast, slow, signal, warm, lo, hi, lanes):
    # _last_macd(x[s:e]) for every e in lo..hi-1 (s = e - warm when warm > 0 and e > warm, else 0): the same
    # operations per window; windows of full length run ``lanes`` at a time (independent recurrences that
    # the CPU overlaps; LLVM vectorizes the loop over the lanes, a runtime count over slices)
    out = np.empty((hi - lo, 3))
    af = 2.0 / (fast + 1.0)
    a_s = 2.0 / (slow + 1.0)
    ag = 2.0 / (signal + 1.0)
    first = hi if warm <= 0 else min(hi, max(lo, warm + 1))
    for e in range(lo, first):
        out[e - lo, 0], out[e - lo, 1], out[e - lo, 2] = _last_macd(x[:e], fast, slow, signal)
    if first >= hi:
        return out
    lanes = max(1, min(lanes, hi - first))
    ef = np.empty(lanes)
    es = np.empty(lanes)
    sg = np.empty(lanes)
    raw = np.empty(lanes)
    for e0 in range(first, hi, lanes):
        m = min(lanes, hi - e0)
        s0 = e0 - warm
        x0 = x[s0:s0 + m]
        for j in range(m):
            ef[j] = x0[j]
            es[j] = x0[j]
            r = ef[j] - es[j]
            raw[j] = r
            sg[j] = 0.0 if np.isnan(r) else r
        for t in range(1, warm):
            xs = x[s0 + t:s0 + t + m]
            for j in range(m):
                f = af * xs[j] + (1.0 - af) * ef[j]
                sl = a_s * xs[j] + (1.0 - a_s) * es[j]
                r = f - sl
                clean = 0.0 if np.isnan(r) else r
                ef[j] = f
                es[j] = sl
                raw[j] = r
                sg[j] = ag * clean + (1.0 - ag) * sg[j]
        for j in range(m):
            r = raw[j]
            out[e0 + j - lo, 0] = 0.0 if np.isnan(r) else r
            out[e0 + j - lo, 1] = sg[j]
            out[e0 + j - lo, 2] = r - sg[j]
    return out


def _memo_macd(candles, fast_period, slow_period, signal_period, source_type):
    return cached_last(candles, ("macd", fast_period, slow_period, signal_period, source_type),
                       lambda slot, w, lo, hi: named_rows(MACD, scalar_rows(_macd_windows(
                           slot.source(source_type), fast_period, slow_period, signal_period, w, lo, hi,
                           _kernels.LANES))))


def macd(candles: np.ndarray, fast_period: int = 12, slow_period: int = 26, signal_period: int = 9,
         source_type: str = "close", sequential: bool = False) -> MACD:
    """MACD(macd, signal, hist) with no NaN warm-up.

    Example:
        >>> import numpy as np
        >>> macd(np.arange(1.0, 60.0)).macd > 0
        np.True_
    """
    if not sequential and (memo := active_memo()) is not None:
        # inside a backtest: a memo hit first, else the memo computes a run of bars ahead
        v = memo_hit(memo, candles, ("macd", fast_period, slow_period, signal_period, source_type))
        if v is not None:
            return v
        fast_period = check_period(fast_period, "fast_period")
        slow_period = check_period(slow_period, "slow_period")
        signal_period = check_period(signal_period, "signal_period")
        v = _memo_macd(candles, fast_period, slow_period, signal_period, source_type)
        if v is not None:
            return v
    fast_period = check_period(fast_period, "fast_period")
    slow_period = check_period(slow_period, "slow_period")
    signal_period = check_period(signal_period, "signal_period")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return MACD(*map(_f64, _last_macd_rows(candles, code, _warmup_now(), fast_period, slow_period,
                                         signal_period)))
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return MACD(*_macd(source, fast_period, slow_period, signal_period))
    return MACD(*map(_f64, _last_macd(source, fast_period, slow_period, signal_period)))
