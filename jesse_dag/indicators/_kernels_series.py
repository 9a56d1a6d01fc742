"""Array plumbing shared by several indicators: NaN handling, shifts, padding, differences, extrema.

Numba kernels (``cache=True``, compiled for the argument types first seen); each takes float64 arrays and
scalar parameters and reproduces one Jesse 3.5.3 computation's seeds and warm-up (its docstring names them);
the indicator modules validate, slice and pick sources before calling them.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_series import shift_fill
    >>> shift_fill(np.array([1.0, 2.0, 3.0]), 1).tolist()[1:]
    [1.0, 2.0]
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels  # noqa: F401  (importing it keeps freed memory: keep_freed_memory)


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
def ffill(x):
    """Carry the last non-NaN value forward (leading NaN stay)."""
    out = x.copy()
    for i in range(1, x.shape[0]):
        if np.isnan(out[i]):
            out[i] = out[i - 1]
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
