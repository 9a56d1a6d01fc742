"""Numba kernels private to the second group of indicators (gauss .. rocr).

Each kernel takes contiguous float64 1-D arrays (plus scalar parameters) and returns new float64
arrays; the indicator modules do the validation, slicing and source selection before calling them.
The warm-up conventions (zeros, NaN or the source itself) are Jesse 3.5.3's, which differ from one
indicator to the next; each kernel's docstring names its own.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_g2 import shift_fill
    >>> shift_fill(np.array([1.0, 2.0, 3.0]), 1).tolist()[1:]
    [1.0, 2.0]
"""
from __future__ import annotations

import importlib
from typing import Callable

import numba
import numpy as np

from jesse_dag.indicators import _kernels  # noqa: F401  (importing it keeps freed memory: keep_freed_memory)


def indicator(name: str) -> Callable:
    """The indicator function ``name`` (for indicators built on others, e.g. ``ma`` dispatching).

    Looked up through the package (its lazy loader then binds the function, not the module, to the
    package attribute); if someone imported ``jesse_dag.indicators.<name>`` directly first, that
    attribute is the module, so take the function from it.
    """
    fn = _INDICATORS.get(name)
    if fn is None:
        found = getattr(importlib.import_module("jesse_dag.indicators"), name)
        fn = _INDICATORS[name] = found if callable(found) else getattr(found, name)
    return fn


_INDICATORS: dict[str, Callable] = {}  # resolved once: indicators built on others call this per call


@numba.njit(cache=True)
def drop_nan(x):
    """The non-NaN values of ``x`` in order (Jesse strips NaN before several recursive filters)."""
    n = 0
    for i in range(x.shape[0]):
        if not np.isnan(x[i]):
            n += 1
    out = np.empty(n)
    j = 0
    for i in range(x.shape[0]):
        if not np.isnan(x[i]):
            out[j] = x[i]
            j += 1
    return out


@numba.njit(cache=True)
def pad_front(x, n):
    """``x`` right-aligned in an array of length ``n``, NaN in front (Jesse's ``same_length``)."""
    out = np.full(n, np.nan)
    off = n - x.shape[0]
    for i in range(x.shape[0]):
        out[off + i] = x[i]
    return out


@numba.njit(cache=True)
def shift_fill(x, periods):
    """Shift right by ``periods`` >= 0 with NaN in front (Jesse's ``np_shift(.., nan)``)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(periods, n):
        out[i] = x[i - periods]
    return out


@numba.njit(cache=True)
def gauss_filter(x, period, poles):
    """Ehlers' Gaussian filter of 1..4 poles; the filter state starts at zero."""
    n = x.shape[0]
    beta = (1.0 - np.cos(2.0 * np.pi / period)) / (2.0 ** (1.0 / poles) - 1.0)
    alpha = -beta + np.sqrt(beta * beta + 2.0 * beta)
    a1 = 1.0 - alpha
    c = np.zeros(5)
    if poles == 1:
        c[0] = alpha
        c[1] = a1
    elif poles == 2:
        c[0] = alpha ** 2
        c[1] = 2.0 * a1
        c[2] = -(a1 ** 2)
    elif poles == 3:
        c[0] = alpha ** 3
        c[1] = 3.0 * a1
        c[2] = -3.0 * a1 ** 2
        c[3] = a1 ** 3
    else:
        c[0] = alpha ** 4
        c[1] = 4.0 * a1
        c[2] = -6.0 * a1 ** 2
        c[3] = 4.0 * a1 ** 3
        c[4] = -(a1 ** 4)
    # the last ``poles`` outputs are carried in locals (added in the same order, newest first), not read back
    # from memory after each store
    out = np.empty(n)
    c0, c1, c2, c3, c4 = c[0], c[1], c[2], c[3], c[4]
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    s4 = 0.0
    for i in range(n):
        acc = c0 * x[i]
        acc += c1 * s1
        if poles >= 2:
            acc += c2 * s2
        if poles >= 3:
            acc += c3 * s3
        if poles >= 4:
            acc += c4 * s4
        out[i] = acc
        s4 = s3
        s3 = s2
        s2 = s1
        s1 = acc
    return out


@numba.njit(cache=True)
def heikin_ashi(o, c, h, l):
    """Heikin-Ashi rows; row 0 is NaN and each open averages the previous *raw* open and close."""
    n = o.shape[0]
    ho = np.empty(n)
    hc = np.empty(n)
    hh = np.empty(n)
    hl = np.empty(n)
    if n == 0:
        return ho, hc, hh, hl
    ho[0] = hc[0] = hh[0] = hl[0] = np.nan
    for i in range(1, n):
        a = (o[i - 1] + c[i - 1]) / 2.0
        b = (o[i] + c[i] + h[i] + l[i]) / 4.0
        ho[i] = a
        hc[i] = b
        hh[i] = max(h[i], max(a, b))
        hl[i] = min(l[i], min(a, b))
    return ho, hc, hh, hl


@numba.njit(cache=True)
def high_pass_1(x, period):
    """Ehlers' one-pole high-pass; the first value is the source itself."""
    n = x.shape[0]
    w = 2.0 * np.pi / period
    alpha = 1.0 + (np.sin(w) - 1.0) / np.cos(w)
    out = x.copy()
    for i in range(1, n):
        out[i] = (1.0 - alpha / 2.0) * x[i] - (1.0 - alpha / 2.0) * x[i - 1] + (1.0 - alpha) * out[i - 1]
    return out


@numba.njit(cache=True, inline="always")
def _high_pass_2_from(x, period, out):
    # rows 2.. into ``out`` (every row, or with a 1-row ``out`` only the last one kept: the same operations
    # either way); the last two values are carried in registers, not read back from ``out``
    n = x.shape[0]
    keep_all = out.shape[0] == n
    w = 2.0 * np.pi * 0.707 / period
    alpha = 1.0 + (np.sin(w) - 1.0) / np.cos(w)
    g = (1.0 - alpha / 2.0) ** 2
    y1 = x[1]
    y2 = x[0]
    for i in range(2, n):
        v = (g * x[i] - 2.0 * g * x[i - 1] + g * x[i - 2]
             + 2.0 * (1.0 - alpha) * y1 - (1.0 - alpha) ** 2 * y2)
        if keep_all:
            out[i] = v
        y2 = y1
        y1 = v
    if not keep_all:
        out[0] = y1


@numba.njit(cache=True)
def high_pass_2(x, period):
    """Ehlers' two-pole high-pass (K = 0.707); the first two values are the source itself."""
    out = x.copy()
    if x.shape[0] > 2:
        _high_pass_2_from(x, period, out)
    return out


@numba.njit(cache=True)
def high_pass_2_last(x, period):
    """``high_pass_2(x, period)[-1]`` without the array: the same operations, so the same bits."""
    n = x.shape[0]
    if n < 3:
        return x[n - 1]
    out = np.empty(1)
    _high_pass_2_from(x, period, out)
    return out[0]


@numba.njit(cache=True)
def wma_zero(x, period):
    """Linearly weighted mean (weights 1..p) with 0.0, not NaN, before the first full window."""
    n = x.shape[0]
    out = np.zeros(n)
    if period < 1:
        return out
    denom = period * (period + 1) / 2.0
    for i in range(period - 1, n):
        acc = 0.0
        for k in range(period):
            acc += x[i - period + 1 + k] * (k + 1.0)
        out[i] = acc / denom
    return out


@numba.njit(cache=True)
def hwma(x, na, nb, nc):
    """Holt-Winters moving average: level, velocity and acceleration, level seeded at ``x[0]``."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    f_prev = x[0]
    v_prev = 0.0
    a_prev = 0.0
    for i in range(n):
        f = (1.0 - na) * (f_prev + v_prev + 0.5 * a_prev) + na * x[i]
        v = (1.0 - nb) * (v_prev + a_prev) + nb * (f - f_prev)
        a = (1.0 - nc) * a_prev + nc * (v - v_prev)
        out[i] = f + v + 0.5 * a
        f_prev = f
        v_prev = v
        a_prev = a
    return out


@numba.njit(cache=True)
def hwma_same_length(x, na, nb, nc):
    """``pad_front(hwma(drop_nan(x), ...), len(x))``; without NaN in ``x`` that is ``hwma(x)`` itself (no copies)."""
    for i in range(x.shape[0]):
        if np.isnan(x[i]):
            return pad_front(hwma(drop_nan(x), na, nb, nc), x.shape[0])
    return hwma(x, na, nb, nc)


@numba.njit(cache=True)
def itrend(x, alpha):
    """Ehlers' instantaneous trendline; returns (signal, it, trigger) with a 20-bar lag trigger."""
    n = x.shape[0]
    it = x.copy()
    for i in range(2, min(7, n)):
        it[i] = (x[i] + 2.0 * x[i - 1] + x[i - 2]) / 4.0
    for i in range(7, n):
        it[i] = ((alpha - alpha ** 2 / 4.0) * x[i] + alpha ** 2 / 2.0 * x[i - 1]
                 - (alpha - alpha ** 2 * 3.0 / 4.0) * x[i - 2]
                 + 2.0 * (1.0 - alpha) * it[i - 1] - (1.0 - alpha) ** 2 * it[i - 2])
    trigger = np.empty(n)
    signal = np.empty(n)
    for i in range(n):
        lag = it[i - 20] if i >= 20 else it[i]
        trigger[i] = 2.0 * it[i] - lag
        signal[i] = 1.0 if trigger[i] > it[i] else (-1.0 if trigger[i] < it[i] else 0.0)
    return signal, it, trigger


@numba.njit(cache=True, inline="always")
def _jma_from(x, phase_ratio, beta, alpha, out):
    # rows 1.. of jma into ``out`` (every row, or with a 1-row ``out`` only the last one kept: the same
    # operations either way); the previous value is carried in a register, not read back from ``out``
    n = x.shape[0]
    keep_all = out.shape[0] == n
    e0 = 0.0
    e1 = 0.0
    e2 = 0.0
    y = x[0]
    for i in range(1, n):
        e0 = (1.0 - alpha) * x[i] + alpha * e0
        e1 = (x[i] - e0) * (1.0 - beta) + beta * e1
        e2 = (e0 + phase_ratio * e1 - y) * (1.0 - alpha) ** 2 + alpha ** 2 * e2
        y = e2 + y
        if keep_all:
            out[i] = y
    if not keep_all:
        out[0] = y


@numba.njit(cache=True)
def jma(x, phase_ratio, beta, alpha):
    """Jurik-style adaptive average (the TradingView port Jesse uses); starts at ``x[0]``."""
    out = x.copy()
    if x.shape[0] > 1:
        _jma_from(x, phase_ratio, beta, alpha, out)
    return out


@numba.njit(cache=True)
def jma_last(x, phase_ratio, beta, alpha):
    """``jma(x, ...)[-1]`` without the array: the same operations, so the same bits."""
    n = x.shape[0]
    if n < 2:
        return x[n - 1]
    out = np.empty(1)
    _jma_from(x, phase_ratio, beta, alpha, out)
    return out[0]


@numba.njit(cache=True, inline="always")
def _kama_from(x, period, fast_length, slow_length, out):
    # rows period.. of kama into ``out`` (every row, or with a 1-row ``out`` only the last one kept: the same
    # operations either way); the previous value is carried in a register, not read back from ``out``
    n = x.shape[0]
    keep_all = out.shape[0] == n
    fast_a = 2.0 / (fast_length + 1.0)
    slow_a = 2.0 / (slow_length + 1.0)
    span = fast_a - slow_a
    vol = 0.0
    for i in range(1, period):
        vol += abs(x[i] - x[i - 1])
    y = x[period - 1]
    for i in range(period, n):
        vol += abs(x[i] - x[i - 1])
        if i > period:
            vol -= abs(x[i - period] - x[i - period - 1])
        change = abs(x[i] - x[i - period])
        er = change / vol if vol != 0.0 else 0.0
        sc = (er * span + slow_a) ** 2
        y = y + sc * (x[i] - y)
        if keep_all:
            out[i] = y
    if not keep_all:
        out[0] = y


@numba.njit(cache=True)
def kama(x, period, fast_length, slow_length):
    """Kaufman's adaptive average; the first ``period`` values are the source itself."""
    out = x.copy()
    if x.shape[0] > period:
        _kama_from(x, period, fast_length, slow_length, out)
    return out


@numba.njit(cache=True)
def kama_last(x, period, fast_length, slow_length):
    """``kama(x, ...)[-1]`` without the array: the same operations, so the same bits."""
    n = x.shape[0]
    if n <= period:
        return x[n - 1]
    out = np.empty(1)
    _kama_from(x, period, fast_length, slow_length, out)
    return out[0]


@numba.njit(cache=True)
def rolling_extreme_accum(x, window, want_max):
    """Rolling max/min where the first ``window-1`` rows use the running extreme so far (kdj)."""
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        lo = i - window + 1
        if lo < 0:
            lo = 0
        m = x[lo]
        for k in range(lo + 1, i + 1):
            if want_max:
                if x[k] > m:
                    m = x[k]
            elif x[k] < m:
                m = x[k]
        out[i] = m
    return out


@numba.njit(cache=True)
def kvo_volume_force(high, low, close, volume):
    """Klinger's volume force ``100 * V * trend * |2*dm/cm - 1|`` (0 where cm is 0)."""
    n = high.shape[0]
    vf = np.zeros(n)
    if n == 0:
        return vf
    trend_prev = 0.0
    cm_prev = 0.0
    dm_prev = high[0] - low[0]
    hlc_prev = (high[0] + low[0] + close[0]) / 3.0
    for i in range(1, n):
        hlc = (high[i] + low[i] + close[i]) / 3.0
        mom = hlc - hlc_prev
        trend = 1.0 if mom > 0 else (-1.0 if mom < 0 else trend_prev)
        dm = high[i] - low[i]
        if trend == trend_prev:
            cm = cm_prev + dm
        else:
            cm = dm + dm_prev
        if cm != 0.0:
            vf[i] = 100.0 * volume[i] * trend * abs(2.0 * dm / cm - 1.0)
        trend_prev = trend
        cm_prev = cm
        dm_prev = dm
        hlc_prev = hlc
    return vf


@numba.njit(cache=True)
def linreg_line(x, period):
    """Least-squares line of each window evaluated at its last point (NaN before the first window)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    mean_x = (period - 1) / 2.0
    sxx = 0.0
    for k in range(period):
        sxx += (k - mean_x) ** 2
    # several windows at a time, each with its own sums in the order of the one-window loop (the same bits);
    # the loops over the windows run on slices indexed from 0, which LLVM vectorizes
    xc = np.ascontiguousarray(x)
    lanes = _kernels.LANES
    s = np.empty(lanes)
    my = np.empty(lanes)
    i0 = period - 1
    while i0 < n:
        m = min(lanes, n - i0)
        s[:m] = 0.0
        for k in range(period):
            xs = xc[i0 - period + 1 + k:i0 - period + 1 + k + m]
            for j in range(m):
                s[j] += xs[j]
        for j in range(m):
            my[j] = s[j] / period
            s[j] = 0.0  # now the sum of cross products
        for k in range(period):
            xs = xc[i0 - period + 1 + k:i0 - period + 1 + k + m]
            dk = k - mean_x
            for j in range(m):
                s[j] += (xs[j] - my[j]) * dk
        o = out[i0:i0 + m]
        for j in range(m):
            o[j] = my[j] + mean_x * (s[j] / sxx)
        i0 += m
    return out


@numba.njit(cache=True)
def linreg_line_last(x, period):
    """``linreg_line(x, period)[-1]`` from the last window alone (each row depends on its window only)."""
    n = x.shape[0]
    if n < period:
        return np.nan
    mean_x = (period - 1) / 2.0
    sxx = 0.0
    for k in range(period):
        sxx += (k - mean_x) ** 2
    i = n - 1
    s = 0.0
    for k in range(period):
        s += x[i - period + 1 + k]
    mean_y = s / period
    sxy = 0.0
    for k in range(period):
        sxy += (x[i - period + 1 + k] - mean_y) * (k - mean_x)
    return mean_y + mean_x * (sxy / sxx)


@numba.njit(cache=True)
def linreg_slope(x, period):
    """Least-squares slope of each window against 0..p-1 (NaN before the first window)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    sx = 0.0
    sxx = 0.0
    for k in range(period):
        sx += k
        sxx += k * k
    denom = period * sxx - sx * sx
    for i in range(period - 1, n):
        sy = 0.0
        sxy = 0.0
        for k in range(period):
            v = x[i - period + 1 + k]
            sy += v
            sxy += v * k
        out[i] = (period * sxy - sx * sy) / denom
    return out


@numba.njit(cache=True)
def linreg_intercept(x, period):
    """Least-squares intercept (value at x = 0, the window's first point) of each window."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    mean_x = (period - 1) / 2.0
    sxx = 0.0
    for k in range(period):
        sxx += (k - mean_x) ** 2
    for i in range(period - 1, n):
        s = 0.0
        for k in range(period):
            s += x[i - period + 1 + k]
        mean_y = s / period
        sxy = 0.0
        for k in range(period):
            sxy += (x[i - period + 1 + k] - mean_y) * (k - mean_x)
        out[i] = mean_y - (sxy / sxx) * mean_x
    return out


@numba.njit(cache=True, inline="always")
def _laguerre_step(price, alpha, gamma, p0, p1, p2, p3):
    # one row of Ehlers' Laguerre RSI: the four stages from the previous row's, then the up/down sums
    l0 = alpha * price + gamma * p0
    l1 = -gamma * l0 + p0 + gamma * p1
    l2 = -gamma * l1 + p1 + gamma * p2
    l3 = -gamma * l2 + p2 + gamma * p3
    cu = 0.0
    cd = 0.0
    if l0 >= l1:
        cu = l0 - l1
    else:
        cd = l1 - l0
    if l1 >= l2:
        cu = cu + l1 - l2
    else:
        cd = cd + l2 - l1
    if l2 >= l3:
        cu = cu + l2 - l3
    else:
        cd = cd + l3 - l2
    return (0.0 if cu + cd == 0.0 else cu / (cu + cd)), l0, l1, l2, l3


@numba.njit(cache=True)
def laguerre_rsi_hl2(c, s0, alpha):
    """Ehlers' Laguerre RSI of the median price ``(high + low) / 2`` of rows ``s0..`` of 2-D candles, read
    row by row (no price array); the four stages start from the first price (so the first value is 0)."""
    n = c.shape[0] - s0
    out = np.zeros(n)
    if n == 0:
        return out
    gamma = 1.0 - alpha
    p0 = (c[s0, 3] + c[s0, 4]) / 2
    p1 = p0
    p2 = p0
    p3 = p0
    for k in range(n):
        r = _kernels.scalar_row(np.uint64(s0 + k))
        out[k], p0, p1, p2, p3 = _laguerre_step((c[r, 3] + c[r, 4]) / 2, alpha, gamma, p0, p1, p2, p3)
    return out


@numba.njit(cache=True)
def laguerre_rsi_hl2_last(c, warm, alpha):
    """``laguerre_rsi_hl2`` on Jesse's trailing ``warm`` rows, last value only (the same operations)."""
    s0 = _kernels.window_start(c.shape[0], warm)
    gamma = 1.0 - alpha
    p0 = (c[s0, 3] + c[s0, 4]) / 2
    p1 = p0
    p2 = p0
    p3 = p0
    v = 0.0
    for i in range(s0, c.shape[0]):
        r = _kernels.scalar_row(np.uint64(i))
        v, p0, p1, p2, p3 = _laguerre_step((c[r, 3] + c[r, 4]) / 2, alpha, gamma, p0, p1, p2, p3)
    return v


@numba.njit(cache=True)
def maaq(x, period, fast_period, slow_period):
    """Moving Average Adaptive Q; the first ``period`` values are the source itself."""
    n = x.shape[0]
    xc = np.ascontiguousarray(x)
    out = xc.copy()
    fast_sc = 2.0 / (fast_period + 1.0)
    slow_sc = 2.0 / (slow_period + 1.0)
    # each |change| once, then every window's noise summed in order (oldest first), several windows at a time:
    # the same operations per row, so the same bits
    noises = np.empty(n)
    if period < n:
        moves = np.zeros(n)
        for k in range(1, n):
            moves[k] = abs(xc[k] - xc[k - 1])
        _kernels.dot_windows_oldest_first(moves, np.ones(period), period, n, noises, _kernels.BLOCK)
    prev = out[period - 1] if 0 < period <= n else 0.0  # carried in a local, not read back from ``out``
    for i in range(period, n):
        noise = noises[i]
        signal = abs(xc[i] - xc[i - period])
        ratio = signal / noise if noise != 0.0 else 0.0
        temp = (ratio * fast_sc + slow_sc) ** 2
        y = prev + temp * (xc[i] - prev)
        out[i] = y
        prev = y
    return out


@numba.njit(cache=True, inline="always")
def _hilbert(a, buf, i, scale):
    # Ehlers' 4-tap Hilbert transform: the newest tap ``a`` (row i), older ones from the history array; taps
    # before row 0 read as 0
    b = buf[i - 2] if i >= 2 else 0.0
    c = buf[i - 4] if i >= 4 else 0.0
    d = buf[i - 6] if i >= 6 else 0.0
    return (0.0962 * a + 0.5769 * b - 0.5769 * c - 0.0962 * d) * scale


@numba.njit(cache=True)
def mama(x, fastlimit, slowlimit):
    """MESA adaptive moving average (Jesse's version: pi = 3.1415926, mama/fama start at 0)."""
    n = x.shape[0]
    pi = 3.1415926
    smooth = np.zeros(n)
    detr = np.zeros(n)
    q1 = np.zeros(n)
    i1 = np.zeros(n)
    mama_out = np.zeros(n)
    fama_out = np.zeros(n)
    i2_prev = 0.0
    q2_prev = 0.0
    re_prev = 0.0
    im_prev = 0.0
    period_prev = 0.0
    phase_prev = 0.0
    m_prev = 0.0
    f_prev = 0.0
    for i in range(1, n):
        x1 = x[i - 1]
        # price taps before row 0 read the first price (Jesse's Rust); the filter taps read 0
        x2 = x[i - 2] if i >= 2 else x[0]
        x3 = x[i - 3] if i >= 3 else x[0]
        # each series' newest value is used from its register, not read back from the array just written
        # (on the row-to-row dependency chain); the same operations, so the same bits
        sm = (4.0 * x[i] + 3.0 * x1 + 2.0 * x2 + x3) / 10.0
        smooth[i] = sm
        scale = 0.075 * period_prev + 0.54
        de = _hilbert(sm, smooth, i, scale)
        detr[i] = de
        qq = _hilbert(de, detr, i, scale)
        q1[i] = qq
        ii = detr[i - 3] if i >= 3 else 0.0
        i1[i] = ii
        ji = _hilbert(ii, i1, i, scale)
        jq = _hilbert(qq, q1, i, scale)
        i2 = 0.2 * (ii - jq) + 0.8 * i2_prev
        q2 = 0.2 * (qq + ji) + 0.8 * q2_prev
        re = 0.2 * (i2 * i2_prev + q2 * q2_prev) + 0.8 * re_prev
        im = 0.2 * (i2 * q2_prev - q2 * i2_prev) + 0.8 * im_prev
        if im != 0.0 and re != 0.0:
            p1 = 2.0 * pi / np.arctan(im / re)
        else:
            p1 = period_prev
        if p1 > 1.5 * period_prev:
            p2 = 1.5 * period_prev
        elif p1 < 0.67 * period_prev:
            p2 = 0.67 * period_prev
        else:
            p2 = p1
        p3 = 6.0 if p2 < 6.0 else (50.0 if p2 > 50.0 else p2)
        period = 0.2 * p3 + 0.8 * period_prev
        phase = (180.0 / pi) * np.arctan(qq / ii) if ii != 0.0 else 0.0
        dphase = phase_prev - phase
        if dphase < 1.0:
            dphase = 1.0
        a = fastlimit / dphase
        if a < slowlimit:
            a = slowlimit
        elif a > fastlimit:
            a = fastlimit
        m_prev = a * x[i] + (1.0 - a) * m_prev
        mama_out[i] = m_prev
        f_prev = 0.5 * a * m_prev + (1.0 - 0.5 * a) * f_prev
        fama_out[i] = f_prev
        i2_prev = i2
        q2_prev = q2
        re_prev = re
        im_prev = im
        period_prev = period
        phase_prev = phase
    return mama_out, fama_out

@numba.njit(cache=True)
def ema_seeded(x, period):
    """EMA with alpha ``2/(p+1)`` seeded at ``x[0]``, no length check (mass, pfe)."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    alpha = 2.0 / (period + 1.0)
    out[0] = x[0]
    for i in range(1, n):
        out[i] = alpha * x[i] + (1.0 - alpha) * out[i - 1]
    return out


@numba.njit(cache=True)
def mass_index(high, low, period):
    """Sum over ``period`` of EMA9(H-L)/EMA9(EMA9(H-L)); 0.0 before the first full window."""
    n = high.shape[0]
    rng = np.empty(n)
    for i in range(n):
        rng[i] = high[i] - low[i]
    e1 = ema_seeded(rng, 9)
    e2 = ema_seeded(e1, 9)
    ratio = np.zeros(n)
    for i in range(n):
        if e2[i] != 0.0:
            ratio[i] = e1[i] / e2[i]
    out = np.zeros(n)
    for i in range(period - 1, n):
        s = 0.0
        for k in range(i - period + 1, i + 1):
            s += ratio[k]
        out[i] = s
    return out


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def mcginley(x, period, k):
    """McGinley dynamic: ``mg += (x - mg) / max(k*p*(x/mg)^4, 1)`` from ``mg[0] = x[0]``."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    out[0] = x[0]
    prev = x[0]
    kp = k * period
    # the previous value stays in a register (not read back from ``out`` on the dependency chain); k * period
    # once and r ** 4 as (r r)(r r) are the same operations as Jesse's, so the same bits
    for i in range(1, n):
        r = x[i] / prev
        r2 = r * r
        den = kp * (r2 * r2)
        # at least 1, and 1 when the ratio is NaN (a zero price), as Jesse's max does
        prev = prev + (x[i] - prev) / (den if den > 1.0 else 1.0)
        out[i] = prev
    return out


@numba.njit(cache=True)
def rolling_mean_full(x, period):
    """Mean of each full window (NaN before), no NaN skipping."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        s = 0.0
        for k in range(i - period + 1, i + 1):
            s += x[k]
        out[i] = s / period
    return out


@numba.njit(cache=True)
def mean_abs_dev(x, period):
    """Jesse's mean absolute deviation: |x - rolling mean|, then a NaN-ignoring rolling mean of that."""
    n = x.shape[0]
    dev = np.full(n, np.nan)
    means = rolling_mean_full(x, period)
    for i in range(period - 1, n):
        dev[i] = abs(x[i] - means[i])
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        s = 0.0
        c = 0
        for k in range(i - period + 1, i + 1):
            if not np.isnan(dev[k]):
                s += dev[k]
                c += 1
        if c > 0:
            out[i] = s / c
    return out


@numba.njit(cache=True)
def _median_sorted(w):
    m = w.shape[0]
    if m % 2 == 1:
        return w[m // 2]
    return (w[m // 2 - 1] + w[m // 2]) / 2.0


@numba.njit(cache=True)
def _small_sort(w):
    # insertion sort for the short windows indicators use (numba's sort has a large fixed cost per call)
    m = w.shape[0]
    if m > 48:
        w.sort()
        return
    for i in range(1, m):
        v = w[i]
        j = i - 1
        while j >= 0 and w[j] > v:
            w[j + 1] = w[j]
            j -= 1
        w[j + 1] = v


@numba.njit(cache=True)
def median_abs_dev(x, period):
    """Median of |window - median(window)| for each full window (NaN before; NaN in -> NaN out)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    # two scratch buffers reused for every window (no per-window allocation)
    w = np.empty(period)
    d = np.empty(period)
    for i in range(period - 1, n):
        bad = False
        for k in range(period):
            v = x[i - period + 1 + k]
            if np.isnan(v):
                bad = True
                break
            w[k] = v
        if bad:
            continue
        _small_sort(w)
        med = _median_sorted(w)
        for k in range(period):
            d[k] = abs(w[k] - med)
        _small_sort(d)
        out[i] = _median_sorted(d)
    return out


@numba.njit(cache=True)
def kurtosis_window(x, period):
    """Biased Fisher kurtosis ``m4/m2^2 - 3`` of each full window (scipy's default, NaN if m2 ~ 0)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    eps = np.finfo(np.float64).resolution
    for i in range(period - 1, n):
        s = 0.0
        for k in range(i - period + 1, i + 1):
            s += x[k]
        mean = s / period
        m2 = 0.0
        m4 = 0.0
        for k in range(i - period + 1, i + 1):
            d = x[k] - mean
            d2 = d * d
            m2 += d2
            m4 += d2 * d2
        m2 /= period
        m4 /= period
        if m2 <= (eps * mean) ** 2:
            continue
        out[i] = m4 / (m2 * m2) - 3.0
    return out


@numba.njit(cache=True)
def money_flow_index(high, low, close, volume, period):
    """MFI over rolling sums of positive/negative raw money flow; 100 when the negative sum is 0."""
    n = high.shape[0]
    out = np.full(n, np.nan)
    pos = np.zeros(n)
    neg = np.zeros(n)
    tp_prev = 0.0
    for i in range(n):
        tp = (high[i] + low[i] + close[i]) / 3.0
        if i > 0:
            if tp > tp_prev:
                pos[i] = tp * volume[i]
            elif tp < tp_prev:
                neg[i] = tp * volume[i]
        tp_prev = tp
    for i in range(period - 1, n):
        sp = 0.0
        sn = 0.0
        for k in range(i - period + 1, i + 1):
            sp += pos[k]
            sn += neg[k]
        if sn != 0.0:
            out[i] = 100.0 - 100.0 / (1.0 + sp / sn)
        else:
            out[i] = 100.0
    return out


@numba.njit(cache=True)
def rolling_mid(high, low, period):
    """(max of ``high`` + min of ``low``) / 2 over each full window (NaN before)."""
    n = high.shape[0]
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        hi = high[i - period + 1]
        lo = low[i - period + 1]
        for k in range(i - period + 2, i + 1):
            if high[k] > hi:
                hi = high[k]
            if low[k] < lo:
                lo = low[k]
        out[i] = (hi + lo) / 2.0
    return out


@numba.njit(cache=True)
def strict_extrema(x, order, want_max):
    """scipy's ``argrelextrema(x, less|greater, order, mode='clip')`` as a value-or-NaN array."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        ok = True
        for s in range(1, order + 1):
            j = i + s if i + s < n else n - 1
            k = i - s if i - s >= 0 else 0
            if want_max:
                if not (x[i] > x[j] and x[i] > x[k]):
                    ok = False
                    break
            elif not (x[i] < x[j] and x[i] < x[k]):
                ok = False
                break
        if ok:
            out[i] = x[i]
    return out


@numba.njit(cache=True)
def ffill(x):
    """Carry the last non-NaN value forward (leading NaN stay)."""
    out = x.copy()
    for i in range(1, x.shape[0]):
        if np.isnan(out[i]):
            out[i] = out[i - 1]
    return out


@numba.njit(cache=True)
def _natural_ma_row(x, ln, w, j, period):
    # row ``j`` of the natural MA from the log prices ``ln`` (aligned with ``x``) and weights ``w``
    num = 0.0
    den = 0.0
    for i in range(period):
        oi = abs(ln[j - i] - ln[j - i - 1])
        num += oi * w[i]
        den += oi
    ratio = num / den if den != 0.0 else 0.0
    # Jesse's loop variable leaks: it blends the two oldest values of the window, not the newest.
    last = period - 1
    a = x[j - last] if x[j - last] > 1e-10 else 1e-10
    b = x[j - last - 1] if x[j - last - 1] > 1e-10 else 1e-10
    return a * ratio + b * (1.0 - ratio)


@numba.njit(cache=True)
def _natural_ma_weights(period):
    # sqrt(i + 1) - sqrt(i), computed once instead of twice per window element (the same values)
    w = np.empty(period)
    for i in range(period):
        w[i] = np.sqrt(i + 1.0) - np.sqrt(float(i))
    return w


@numba.njit(cache=True)
def natural_ma(x, period):
    """Sloman's natural moving average on log prices (Jesse's: first value at ``period + 1``)."""
    n = x.shape[0]
    out = np.empty(n)
    out[:min(period + 1, n)] = np.nan
    ln = np.empty(n)
    for i in range(n):
        v = x[i] if x[i] > 1e-10 else 1e-10
        ln[i] = np.log(v) * 1000.0
    if n <= period + 1:
        return out
    w = _natural_ma_weights(period)
    # each row's |change| once, then the windows' sums (newest first, as _natural_ma_row adds them) several
    # windows at a time: the same operations per row, so the same bits
    oi = np.empty(n)
    oi[0] = 0.0
    for k in range(1, n):
        oi[k] = abs(ln[k] - ln[k - 1])
    num = np.empty(n)
    den = np.empty(n)
    _kernels.dot_windows(oi, w, period + 1, n, 1.0, num, _kernels.BLOCK)
    _kernels.dot_windows(oi, np.ones(period), period + 1, n, 1.0, den, _kernels.BLOCK)
    last = period - 1
    for j in range(period + 1, n):
        ratio = num[j] / den[j] if den[j] != 0.0 else 0.0
        a = x[j - last] if x[j - last] > 1e-10 else 1e-10
        b = x[j - last - 1] if x[j - last - 1] > 1e-10 else 1e-10
        out[j] = a * ratio + b * (1.0 - ratio)
    return out


@numba.njit(cache=True)
def natural_ma_last(x, period):
    """``natural_ma(x, period)[-1]`` from the last window alone (each row depends on its window only)."""
    n = x.shape[0]
    if n <= period + 1:
        return np.nan
    # the last period + 1 values, re-indexed so that row ``period`` is the last one
    tail = x[n - period - 1:]
    ln = np.empty(period + 1)
    for i in range(period + 1):
        v = tail[i] if tail[i] > 1e-10 else 1e-10
        ln[i] = np.log(v) * 1000.0
    return _natural_ma_row(tail, ln, _natural_ma_weights(period), period, period)


@numba.njit(cache=True)
def volume_index(x, volume, negative):
    """NVI (``negative``) or PVI from 1000: follows the price change only on falling/rising volume."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    out[0] = 1000.0
    for i in range(1, n):
        move = volume[i] < volume[i - 1] if negative else volume[i] > volume[i - 1]
        if move:
            out[i] = out[i - 1] * (1.0 + (x[i] - x[i - 1]) / x[i - 1])
        else:
            out[i] = out[i - 1]
    return out


@numba.njit(cache=True)
def on_balance_volume(close, volume):
    """OBV starting from the first volume."""
    n = close.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    out[0] = volume[0]
    acc = 0.0
    for i in range(1, n):
        if close[i] > close[i - 1]:
            acc += volume[i]
        elif close[i] < close[i - 1]:
            acc -= volume[i]
        out[i] = volume[0] + acc
    return out


@numba.njit(cache=True)
def nth_diff(x, order):
    """``np.diff(x, n=order)`` by repeated first differences (same rounding as numpy).

    A block of rows at a time: the block and the ``order`` rows after it are copied to a small buffer and
    differenced ``order`` times in place there (in L1), which gives each row the same operations as whole-array
    passes, with one output array instead of one per order.
    """
    n = x.shape[0]
    if order <= 0:
        return x.copy()
    if n <= order:
        return np.empty(0)
    m = n - order
    out = np.empty(m)
    block = 1024
    buf = np.empty(block + order)
    for b0 in range(0, m, block):
        k = min(block, m - b0)
        w = k + order
        for i in range(w):
            buf[i] = x[b0 + i]
        for r in range(order):
            for i in range(w - 1 - r):
                buf[i] = buf[i + 1] - buf[i]
        for i in range(k):  # (a loop: slice assignment compiles numba's shape-error formatting, ~4 s cold)
            out[b0 + i] = buf[i]
    return out


@numba.njit(cache=True)
def polarized_fractal_efficiency(x, period, smoothing):
    """Jesse's PFE: the (period-1)-th order difference against the summed step lengths, signed, EMA'd."""
    n = x.shape[0]
    ln = period - 1
    d = nth_diff(x, ln)
    out = np.empty(n)
    if n == 0:
        return out
    off_a = n - d.shape[0]
    # each step's length once, then every window's sum in order (oldest first), several windows at a time:
    # the same operations per row, so the same bits
    start = max(off_a, ln)
    steps = np.zeros(n)
    for k in range(1, n):
        step = x[k] - x[k - 1]
        steps[k] = np.sqrt(1.0 + step * step)
    path = np.empty(n)
    if start < n:
        _kernels.dot_windows_oldest_first(steps, np.ones(ln), start, n, path, _kernels.BLOCK)
    # the raw efficiency, its sign and ema_seeded's smoothing in one pass (the same operations as the
    # separate passes, so the same bits; rows before ``start`` are a raw 0.0, signed as before)
    alpha = 2.0 / (smoothing + 1.0)
    y = 0.0
    for i in range(n):
        v = 0.0
        if i >= start:
            a = np.sqrt(d[i - off_a] ** 2 + period ** 2)
            v = 100.0 * a / path[i]
            if np.isnan(v):
                v = 0.0
            elif np.isinf(v):
                v = 1.7976931348623157e308 if v > 0 else -1.7976931348623157e308
        pos = i >= off_a and d[i - off_a] > 0
        sv = v if pos else -v
        y = sv if i == 0 else alpha * sv + (1.0 - alpha) * y
        out[i] = y
    return out


@numba.njit(cache=True)
def predictive_ma(x):
    """Ehlers' predictive moving average: (predict, trigger), NaN for the first 6 rows (read as 0 by the trigger)."""
    n = x.shape[0]
    predict = np.full(n, np.nan)
    trigger = np.full(n, np.nan)
    w1 = np.zeros(n)
    pz = np.zeros(n)  # predictions before row 6 count as 0 in the trigger (Jesse's Rust)
    # three passes (each row's terms are the same operations as in one fused loop, so the same bits): no
    # pass reads back what it has just written, so each runs without waiting on its own stores
    xc = np.ascontiguousarray(x)
    for j in range(6, n):
        w1[j] = (7.0 * xc[j] + 6.0 * xc[j - 1] + 5.0 * xc[j - 2] + 4.0 * xc[j - 3]
                 + 3.0 * xc[j - 4] + 2.0 * xc[j - 5] + xc[j - 6]) / 28.0
    for j in range(6, n):
        w2 = (7.0 * w1[j] + 6.0 * w1[j - 1] + 5.0 * w1[j - 2] + 4.0 * w1[j - 3]
              + 3.0 * w1[j - 4] + 2.0 * w1[j - 5] + w1[j - 6]) / 28.0
        pz[j] = 2.0 * w1[j] - w2
    for j in range(6, n):
        predict[j] = pz[j]
        trigger[j] = (4.0 * pz[j] + 3.0 * pz[j - 1] + 2.0 * pz[j - 2] + pz[j - 3]) / 10.0
    return predict, trigger


@numba.njit(cache=True)
def weighted_window(x, weights):
    """``sum(window * w) / sum(w)`` for each full window (NaN before)."""
    n = x.shape[0]
    p = weights.shape[0]
    out = np.full(n, np.nan)
    wsum = 0.0
    for k in range(p):
        wsum += weights[k]
    if n < p:
        return out
    # every window's sum in order (oldest first), several windows at a time: the same bits as one by one
    _kernels.dot_windows_oldest_first(x, weights, p - 1, n, out, _kernels.BLOCK)
    tail = out[p - 1:]  # (indexed from 0: LLVM vectorizes the division)
    for i in range(n - p + 1):
        tail[i] = tail[i] / wsum
    return out


@numba.njit(cache=True)
def qstick(open_, close, period):
    """Mean of (close - open) over each full window; 0.0 before."""
    n = open_.shape[0]
    out = np.zeros(n)
    if n < period:
        return out
    d = np.empty(n)
    for k in range(n):
        d[k] = close[k] - open_[k]
    # each window's sum in order, oldest first, several windows at a time (the same bits as one by one)
    _kernels.dot_windows_oldest_first(d, np.ones(period), period - 1, n, out, _kernels.BLOCK)
    inv = 1.0 / period  # Jesse multiplies by the reciprocal: the same bits as its output on the parity candles
    for i in range(period - 1, n):
        out[i] = out[i] * inv
    return out


@numba.njit(cache=True)
def supersmoother(x, period):
    """Ehlers' 2-pole super smoother (float period); the first two values are the source."""
    n = x.shape[0]
    a = np.exp(-1.414 * np.pi / period)
    b = 2.0 * a * np.cos(1.414 * np.pi / period)
    out = x.copy()
    for i in range(2, n):
        out[i] = (1.0 + a * a - b) / 2.0 * (x[i] + x[i - 1]) + b * out[i - 1] - a * a * out[i - 2]
    return out


@numba.njit(cache=True)
def reflex(ssf, period):
    """Ehlers' reflex of a smoothed series; 0.0 before row ``period``."""
    n = ssf.shape[0]
    out = np.zeros(n)
    ms_prev = 0.0
    # each row's sum is independent of the others: several rows at a time, each summed in its own order
    # (the same bits), on slices indexed from 0 so that LLVM vectorizes the loop over the rows
    sums = np.empty(n)
    xc = np.ascontiguousarray(ssf)
    lanes = _kernels.LANES
    slope = np.empty(lanes)
    acc = np.empty(lanes)
    i0 = period
    while i0 < n:
        m = min(lanes, n - i0)
        cur = xc[i0:i0 + m]
        old = xc[i0 - period:i0 - period + m]
        for j in range(m):
            slope[j] = (old[j] - cur[j]) / period
            acc[j] = 0.0
        for t in range(1, period + 1):
            back = xc[i0 - t:i0 - t + m]
            for j in range(m):
                acc[j] = acc[j] + (cur[j] + t * slope[j]) - back[j]
        for j in range(m):
            sums[i0 + j] = acc[j]
        i0 += m
    for i in range(n):
        if i < period:
            continue
        s = sums[i]
        s /= period
        ms = 0.04 * s * s + 0.96 * ms_prev
        if ms > 0:
            out[i] = s / np.sqrt(ms)
        ms_prev = ms
    return out


@numba.njit(cache=True)
def rma(x, length):
    """Jesse's RMA: alpha 1/length, and row 0 blends ``x[0]`` with the *last* value (index -1 wraps)."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    alpha = 1.0 / length
    prev = x[n - 1]  # (carried in a local: read back from ``out`` it would wait on the store)
    for i in range(n):
        if np.isnan(prev):
            # Jesse restarts from the simple mean of the last `length` values of the source.
            s = 0.0
            lo = n - length if n - length > 0 else 0
            for k in range(lo, n):
                s += x[k]
            y = s / (n - lo)
        else:
            y = alpha * x[i] + (1.0 - alpha) * prev
        out[i] = y
        prev = y
    return out


@numba.njit(cache=True)
def detrended_moving_average_noise(x, window, start):
    """sqrt(mean((x - rolling mean over ``window``)^2)) from row ``start`` on (hurst DMA method).

    Rows before ``window-1`` use the partial window with zeros in front, like scipy's lfilter.
    """
    n = x.shape[0]
    acc = 0.0
    for t in range(start, n):
        s = 0.0
        for k in range(1, window):
            if t - k >= 0:
                s += x[t - k]
        v = x[t] * (window - 1) / window - s / window
        acc += v * v
    return acc


@numba.njit(cache=True)
def rescaled_range_means(x, chunk_sizes):
    """Mean R/S (range of the cumulated deviations over the population std) per chunk size.

    Each series is cut into non-overlapping chunks from the start; NaN ratios (a flat chunk) are
    ignored in the mean, as ``np.nanmean`` does.
    """
    out = np.full(chunk_sizes.shape[0], np.nan)
    for c in range(chunk_sizes.shape[0]):
        size = chunk_sizes[c]
        chunks = x.shape[0] // size
        total = 0.0
        count = 0
        for idx in range(chunks):
            lo = idx * size
            mean = 0.0
            for k in range(lo, lo + size):
                mean += x[k]
            mean /= size
            z = 0.0
            zmax = -np.inf
            zmin = np.inf
            var = 0.0
            for k in range(lo, lo + size):
                d = x[k] - mean
                z += d
                zmax = max(zmax, z)
                zmin = min(zmin, z)
                var += d * d
            rs = (zmax - zmin) / np.sqrt(var / size)
            if not np.isnan(rs):
                total += rs
                count += 1
        if count > 0:
            out[c] = total / count
    return out


@numba.njit(cache=True)
def second_order_ratio(x):
    """Hurst by discrete second-order derivatives: 0.5*log2(mean(d2 at lag 2)^2 / mean(d2 at lag 1)^2)."""
    n = x.shape[0] - 1
    y = np.empty(n)
    acc = 0.0
    for i in range(n):
        acc += x[i + 1] - x[i]
        y[i] = acc
    s1 = 0.0
    for t in range(2, n):
        v = y[t] - 2.0 * y[t - 1] + y[t - 2]
        s1 += v * v
    s1 /= n - 2
    s2 = 0.0
    for t in range(4, n):
        v = y[t] - 2.0 * y[t - 2] + y[t - 4]
        s2 += v * v
    s2 /= n - 4
    return 0.5 * np.log2(s2 / s1)
