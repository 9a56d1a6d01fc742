"""Fractal measures of a series: polarized fractal efficiency and the Hurst exponent's three estimators.

Numba kernels (``cache=True``, compiled for the argument types first seen); each takes float64 arrays and
scalar parameters and reproduces one Jesse 3.5.3 computation's seeds and warm-up (its docstring names them);
the indicator modules validate, slice and pick sources before calling them.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_fractal import second_order_ratio
    >>> isinstance(second_order_ratio(np.sin(np.arange(64.0))), float)
    True
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels  # (importing it keeps freed memory: keep_freed_memory)
from jesse_dag.indicators._kernels_series import nth_diff


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
