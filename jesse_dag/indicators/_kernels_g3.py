"""Numba kernels shared by group-3 indicators (Ehlers filters, NaN-skipping windows, tail-weighted MAs).

The generic ones (ema, sma, rolling std/max/min, wma, true range) live in ``_kernels.py``; this module adds
the few that only group-3 indicators need, each reproducing one Jesse 3.5.3 (jesse_rust 1.3.1) kernel's
seeds and warm-up:

- ``supersmoother_2pole``: Ehlers 2-pole filter; rows 0 and 1 copy the input.
- ``high_pass_2pole``: Ehlers 2-pole high-pass (k = 0.707); rows 0 and 1 copy the input.
- ``sma_skipnan_window``: mean of the non-NaN values of each full window (NaN if the window has none).
- ``tail_weighted_ma``: Jesse's sqwma/srwma/vpwma family: weights ``(p - i) ** power`` over the newest
  ``p - 1`` values, input copied through for the first ``p + 1`` rows.
- ``weighted_window_average``: fixed weights over each full window (sinwma, swma, trima).
- ``moving_average``: Python dispatcher for Jesse's ``ma(..., matype)`` on a 1-D series.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_g3 import sma_skipnan_window
    >>> sma_skipnan_window(np.array([np.nan, 1.0, 3.0]), 2).tolist()[1:]
    [1.0, 2.0]
"""
from __future__ import annotations

import math

import numba
import numpy as np

from jesse_dag.indicators import _fastpath, _kernels  # (importing _kernels keeps freed memory: keep_freed_memory)


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


@numba.njit(cache=True)
def sma_skipnan_window(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period or period < 1:
        return out
    for i in range(period - 1, n):
        total = 0.0
        count = 0
        for k in range(i + 1 - period, i + 1):
            if not np.isnan(x[k]):
                total += x[k]
                count += 1
        if count > 0:
            out[i] = total / count
    return out


@numba.njit(cache=True)
def tail_weighted_ma(source, period, power):
    n = source.shape[0]
    xc = np.ascontiguousarray(source)  # one pass over a strided column, then contiguous reads
    out = xc.copy()
    if period < 2 or n < period + 2:
        return out
    weights = np.empty(period - 1)
    ws = 0.0
    for i in range(period - 1):
        weights[i] = (period - i) ** power
        ws += weights[i]
    if ws == 0.0:
        return out
    _kernels.dot_windows(xc, weights, period + 1, n, 1.0 / ws, out, _kernels.BLOCK)
    return out


@numba.njit(cache=True)
def tail_weighted_ma_last(source, period, power):
    """``tail_weighted_ma(source, period, power)[-1]`` from the last window alone (rows are independent)."""
    n = source.shape[0]
    if period < 2 or n < period + 2:
        return source[n - 1]
    weights = np.empty(period - 1)
    ws = 0.0
    for i in range(period - 1):
        weights[i] = (period - i) ** power
        ws += weights[i]
    if ws == 0.0:
        return source[n - 1]
    inv_ws = 1.0 / ws
    j = n - 1
    s = 0.0
    for i in range(period - 1):
        s += source[j - i] * weights[i]
    return s * inv_ws


@numba.njit(cache=True)
def power_weighted_ma_last(source, period, power, offset):
    """``_kernels.power_weighted_ma(...)[-1]`` (cwma, epma) from the last window alone (rows are independent):
    the same weights and the same products summed newest first from 0.0, then times ``1 / ws``."""
    n = source.shape[0]
    if period < 2 or n <= period + offset + 1:
        return source[n - 1]
    w, ws = _kernels.power_weights(period, power, offset)
    if ws == 0.0:
        return source[n - 1]
    j = n - 1
    s = 0.0
    for i in range(period - 1):
        s += source[j - i] * w[i]
    return s * (1.0 / ws)


@numba.njit(cache=True)
def power_weighted_ma_last_rows(c, code, warm, period, power, offset):
    """``power_weighted_ma_last`` on source ``code`` of Jesse's trailing ``warm`` rows of 2-D candles, picked
    inside numba (the fast lane of cwma and epma)."""
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return power_weighted_ma_last(w[:, code], period, power, offset)
    return power_weighted_ma_last(_fastpath.derived_source(w, code), period, power, offset)


@numba.njit(cache=True)
def tail_weighted_ma_last_rows(c, code, warm, period, power):
    """``tail_weighted_ma_last`` on source ``code`` of Jesse's trailing ``warm`` rows of 2-D candles, picked
    inside numba (the fast lane of sqwma, srwma and vpwma)."""
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return tail_weighted_ma_last(w[:, code], period, power)
    return tail_weighted_ma_last(_fastpath.derived_source(w, code), period, power)


@numba.njit(cache=True)
def rolling_window_sum_np(x, period):
    """Sum of each trailing window in numpy's pairwise order (8 accumulators for windows >= 8)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period or period < 1:
        return out
    for i in range(period - 1, n):
        start = i + 1 - period
        if period < 8:
            s = 0.0
            for k in range(start, i + 1):
                s += x[k]
        else:
            r0 = x[start]
            r1 = x[start + 1]
            r2 = x[start + 2]
            r3 = x[start + 3]
            r4 = x[start + 4]
            r5 = x[start + 5]
            r6 = x[start + 6]
            r7 = x[start + 7]
            j = 8
            while j + 8 <= period:
                r0 += x[start + j]
                r1 += x[start + j + 1]
                r2 += x[start + j + 2]
                r3 += x[start + j + 3]
                r4 += x[start + j + 4]
                r5 += x[start + j + 5]
                r6 += x[start + j + 6]
                r7 += x[start + j + 7]
                j += 8
            s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while j < period:
                s += x[start + j]
                j += 1
        out[i] = s
    return out


def moving_average(series: np.ndarray, period: int, matype: int) -> np.ndarray:
    """Jesse's ``ma(series, period, matype, sequential=True)`` for a 1-D series.

    SMA (0) and EMA (1) run here; other types go through ``jesse_dag.indicators.ma``.
    """
    from jesse_dag.indicators._kernels import ema, sma

    series = np.ascontiguousarray(series, dtype=np.float64)
    if matype == 0:
        return sma(series, period)
    if matype == 1:
        return ema(series, period)
    if matype in (24, 29):
        raise ValueError("matype 24 (vwma) and 29 (vwap) need candles, not a series")
    from jesse_dag.indicators import ma as _ma_module  # group-2 module: every other matype

    return np.asarray(_ma_module.ma(series, period=period, matype=matype, sequential=True), dtype=np.float64)


def deviation(series: np.ndarray, period: int, devtype: int) -> np.ndarray:
    """Jesse's deviation choice: 0 population std, 1 mean absolute deviation, 2 median absolute deviation."""
    from jesse_dag.indicators._kernels import rolling_std

    series = np.ascontiguousarray(series, dtype=np.float64)
    if devtype == 0:
        return rolling_std(series, period)
    if devtype == 1:
        from jesse_dag.indicators import mean_ad as _m

        return np.asarray(_m.mean_ad(series, period, sequential=True), dtype=np.float64)
    if devtype == 2:
        from jesse_dag.indicators import median_ad as _m

        return np.asarray(_m.median_ad(series, period, sequential=True), dtype=np.float64)
    raise ValueError(f"devtype must be 0, 1 or 2, got {devtype!r}")



@numba.njit(cache=True)
def weighted_window_average(source, weights):
    """Row ``i >= p-1`` is ``sum(source[i-p+1+k] * weights[k]) / sum(weights)``; earlier rows are NaN."""
    n = source.shape[0]
    p = weights.shape[0]
    out = np.full(n, np.nan)
    if n < p:
        return out
    wsum = 0.0
    for k in range(p):
        wsum += weights[k]
    # every window's sum in order (oldest first), several windows at a time: the same bits as one by one
    _kernels.dot_windows_oldest_first(source, weights, p - 1, n, out, _kernels.BLOCK)
    tail = out[p - 1:]  # (indexed from 0: LLVM vectorizes the division)
    for i in range(n - p + 1):
        tail[i] = tail[i] / wsum
    return out
