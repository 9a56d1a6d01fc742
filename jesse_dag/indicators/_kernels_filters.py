"""Ehlers' recursive filters: Gaussian, high-pass (one and two poles), super smoother, instantaneous trendline,
reflex, Laguerre RSI.

Numba kernels (``cache=True``, compiled for the argument types first seen); each takes float64 arrays and
scalar parameters and reproduces one Jesse 3.5.3 computation's seeds and warm-up (its docstring names them);
the indicator modules validate, slice and pick sources before calling them.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_filters import supersmoother_2pole
    >>> supersmoother_2pole(np.array([1.0, 2.0, 3.0]), 10.0).tolist()[:2]
    [1.0, 2.0]
"""
from __future__ import annotations

import math

import numba
import numpy as np

from jesse_dag.indicators import _kernels  # (importing it keeps freed memory: keep_freed_memory)


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
def supersmoother_2pole(source, period):
    n = source.shape[0]
    out = source.copy()
    a = math.exp(-1.414 * math.pi / period)
    b = 2.0 * a * math.cos(1.414 * math.pi / period)
    c1 = (1.0 + a * a - b) / 2.0
    for i in range(2, n):
        out[i] = c1 * (source[i] + source[i - 1]) + b * out[i - 1] - a * a * out[i - 2]
    return out


@numba.njit(cache=True)
def high_pass_2pole(source, period):
    n = source.shape[0]
    out = source.copy()
    k = 0.707
    sv = math.sin(2.0 * math.pi * k / period)
    cv = math.cos(2.0 * math.pi * k / period)
    alpha = 1.0 + (sv - 1.0) / cv
    c = (1.0 - alpha / 2.0) ** 2
    for i in range(2, n):
        out[i] = (c * source[i] - 2.0 * c * source[i - 1] + c * source[i - 2]
                  + 2.0 * (1.0 - alpha) * out[i - 1] - (1.0 - alpha) ** 2 * out[i - 2])
    return out
