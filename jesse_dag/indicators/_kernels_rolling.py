"""Statistics of rolling windows: extremes, midpoints, means, mean / median absolute deviation, kurtosis,
least-squares lines, numpy-ordered sums, and Jesse's deviation choice.

Numba kernels (``cache=True``, compiled for the argument types first seen); each takes float64 arrays and
scalar parameters and reproduces one Jesse 3.5.3 computation's seeds and warm-up (its docstring names them);
the indicator modules validate, slice and pick sources before calling them.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_rolling import rolling_mid
    >>> rolling_mid(np.array([3.0, 5.0, 4.0]), np.array([1.0, 2.0, 2.0]), 2).tolist()[1:]
    [3.0, 3.5]
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels  # (importing it keeps freed memory: keep_freed_memory)


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


def deviation(series: np.ndarray, period: int, devtype: int) -> np.ndarray:
    """Jesse's deviation choice: 0 population std, 1 mean absolute deviation, 2 median absolute deviation."""
    from jesse_dag.indicators._kernels import rolling_std

    series = np.ascontiguousarray(series, dtype=np.float64)
    if devtype == 0:
        return rolling_std(series, period)
    if devtype == 1:
        from jesse_dag.indicators._core import indicator

        return np.asarray(indicator("mean_ad")(series, period, sequential=True), dtype=np.float64)
    if devtype == 2:
        from jesse_dag.indicators._core import indicator

        return np.asarray(indicator("median_ad")(series, period, sequential=True), dtype=np.float64)
    raise ValueError(f"devtype must be 0, 1 or 2, got {devtype!r}")
