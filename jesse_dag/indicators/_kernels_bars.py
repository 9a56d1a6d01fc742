"""Bodies and ranges of the bars: Heikin-Ashi rows, qstick, mass index.

Numba kernels (``cache=True``, compiled for the argument types first seen); each takes float64 arrays and
scalar parameters and reproduces one Jesse 3.5.3 computation's seeds and warm-up (its docstring names them);
the indicator modules validate, slice and pick sources before calling them.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_bars import qstick
    >>> qstick(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 4.0]), 2).tolist()
    [0.0, 0.5, 0.5]
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels  # (importing it keeps freed memory: keep_freed_memory)
from jesse_dag.indicators._kernels_averages import ema_seeded


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
