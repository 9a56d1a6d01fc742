"""CHOP - choppiness index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _chop(high, low, close, period, scalar, drift):
    n = high.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    tr = _kernels.true_range(high, low, close)
    if drift == 1:
        atr = tr
    else:
        atr = np.full(n, np.nan)
        if n >= drift:
            s = 0.0
            for i in range(drift):
                s += tr[i]
            atr[drift - 1] = s / drift
            a = 1.0 / drift
            for i in range(drift, n):
                atr[i] = a * tr[i] + (1.0 - a) * atr[i - 1]
    hi = _kernels.rolling_max(high, period)
    lo = _kernels.rolling_min(low, period)
    log_p = np.log10(period)
    # every window's ATR sum in order, NaN rows (the ATR warm-up) left out, many windows at a time as
    # selects over slices (LLVM vectorizes the loop over the windows): the same bits as one by one
    totals = np.empty(n)
    lanes = _kernels.LANES
    acc = np.empty(lanes)
    i0 = period - 1
    while i0 < n:
        m = min(lanes, n - i0)
        b = i0 - period + 1
        acc[:m] = 0.0
        for k in range(period):
            vs = atr[b + k:b + k + m]
            for j in range(m):
                v = vs[j]
                acc[j] = acc[j] if np.isnan(v) else acc[j] + v
        for j in range(m):  # (a loop: an array-to-array slice assignment compiles numba's shape error text)
            totals[i0 + j] = acc[j]
        i0 += m
    for i in range(period - 1, n):
        total = totals[i]
        rng = hi[i] - lo[i]
        if total > 0.0 and rng > 0.0:
            out[i] = scalar * (np.log10(total) - np.log10(rng)) / log_p
    return out


@numba.njit(cache=True)
def _last_chop(a0, a1, a2, a3, a4, a5):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _chop(a0, a1, a2, a3, a4, a5)[-1]


@numba.njit(cache=True)
def _tr_in_window(c, s0, i):
    # _kernels.true_range on the window starting at row s0, at row i
    if i == s0:
        return c[i, HIGH] - c[i, LOW]
    hl = c[i, HIGH] - c[i, LOW]
    hc = abs(c[i, HIGH] - c[i - 1, CLOSE])
    lc = abs(c[i, LOW] - c[i - 1, CLOSE])
    return max(hl, max(hc, lc))


@numba.njit(cache=True)
def _last_chop_rows(c, warm, period, scalar, drift):
    # _chop(...)[-1] on Jesse's trailing ``warm`` rows of 2-D candles, without the arrays: the last window's
    # ATR sum in the same order, its high/low scanned as the naive rolling extreme does (the deque gives the
    # same value) and one pair of logarithms instead of one per row
    n = c.shape[0]
    s0 = _kernels.window_start(n, warm)
    if n - s0 < period:
        return np.nan
    first = n - period
    total = 0.0
    if drift == 1:
        for k in range(first, n):
            t = _tr_in_window(c, s0, k)
            if not np.isnan(t):
                total += t
    elif n - s0 >= drift:
        sm = 0.0
        for i in range(s0, s0 + drift):
            sm += _tr_in_window(c, s0, i)
        y = sm / drift
        if s0 + drift - 1 >= first and not np.isnan(y):
            total += y
        a = 1.0 / drift
        for i in range(s0 + drift, n):
            y = a * _tr_in_window(c, s0, i) + (1.0 - a) * y
            if i >= first and not np.isnan(y):
                total += y
    hi = c[first, HIGH]
    lo = c[first, LOW]
    for k in range(first + 1, n):
        if c[k, HIGH] > hi:
            hi = c[k, HIGH]
        if c[k, LOW] < lo:
            lo = c[k, LOW]
    rng = hi - lo
    if total > 0.0 and rng > 0.0:
        return scalar * (np.log10(total) - np.log10(rng)) / np.log10(period)
    return np.nan


def chop(candles: np.ndarray, period: int = 14, scalar: float = 100, drift: int = 1,
         sequential: bool = False) -> float | np.ndarray:
    """Choppiness index: ``scalar * log10(sum ATR / range) / log10(period)``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> 0 < chop(candles_from_close_prices(100 + np.cumsum(rng.normal(0, 1, 60)))) < 100
        np.True_
        >>> chop(candles_from_close_prices(np.linspace(100, 150, 60)))  # a straight line has no chop
        np.float64(0.0)
    """
    period = check_period(period)
    drift = check_period(drift, "drift")
    scalar = check_number(scalar, "scalar")
    # (period 1 divides by log10(1) = 0 on every row: left to the full kernel, which fails as it always has)
    if not sequential and period > 1 and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_chop_rows(candles, _warmup_now(), period, scalar, drift))
    c = ohlcv(candles, sequential, "chop")
    if not sequential:
        return _f64(_last_chop(c[:, HIGH], c[:, LOW], c[:, CLOSE], period, scalar, drift))
    return _chop(c[:, HIGH], c[:, LOW], c[:, CLOSE], period, scalar, drift)
