"""AROONOSC - Aroon oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators._kernels import LANES as _LANES
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _aroonosc_naive(high, low, period):
    # Jesse's oscillator looks at windows of ``period`` bars (not period + 1 as ``aroon`` does)
    n = high.shape[0]
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        start = i + 1 - period
        hi = 0
        lo = 0
        for k in range(period):
            if high[start + k] > high[start + hi]:
                hi = k
            if low[start + k] < low[start + lo]:
                lo = k
        out[i] = 100.0 * (hi - lo) / period
    return out


@numba.njit(cache=True)
def _aroonosc(c, period):
    # O(n) with monotonic deques holding the first (earliest) index of each window's max / min, which
    # is what the naive scan's strict comparisons pick; NaN breaks the deque's ordering, so any NaN
    # input takes the naive scan. The deques are rings of a power of two >= period + 1 slots (a window
    # never holds more), read straight from the 2-D candles: no column copies, no n-sized queues.
    n = c.shape[0]
    for i in range(n):
        if np.isnan(c[i, HIGH]) or np.isnan(c[i, LOW]):
            return _aroonosc_naive(np.ascontiguousarray(c[:, HIGH]), np.ascontiguousarray(c[:, LOW]), period)
    out = np.empty(n)
    out[:min(period - 1, n)] = np.nan
    cap = 1
    while cap < period + 1:
        cap *= 2
    mask = cap - 1
    qh = np.empty(cap, dtype=np.int64)
    ql = np.empty(cap, dtype=np.int64)
    h0 = 0
    h1 = 0
    l0 = 0
    l1 = 0
    for i in range(n):
        v = c[i, HIGH]
        while h1 > h0 and c[qh[(h1 - 1) & mask], HIGH] < v:
            h1 -= 1
        qh[h1 & mask] = i
        h1 += 1
        v = c[i, LOW]
        while l1 > l0 and c[ql[(l1 - 1) & mask], LOW] > v:
            l1 -= 1
        ql[l1 & mask] = i
        l1 += 1
        if i >= period - 1:
            start = i + 1 - period
            while qh[h0 & mask] < start:
                h0 += 1
            while ql[l0 & mask] < start:
                l0 += 1
            out[i] = 100.0 * ((qh[h0 & mask] - start) - (ql[l0 & mask] - start)) / period
    return out


@numba.njit(cache=True)
def _aroonosc_lanes(c, period, lanes):
    # the naive scan of every window, ``lanes`` windows at a time: per window the same strict comparisons in
    # the same order (so the same first-occurrence indices, NaN included), written as selects over array
    # slices so that LLVM vectorizes the loop over the windows
    n = c.shape[0]
    out = np.empty(n)
    out[:min(period - 1, n)] = np.nan
    if n < period:
        return out
    hs = np.ascontiguousarray(c[:, HIGH])
    ls = np.ascontiguousarray(c[:, LOW])
    hv = np.empty(lanes)
    lv = np.empty(lanes)
    hi = np.empty(lanes, dtype=np.int64)
    lo = np.empty(lanes, dtype=np.int64)
    nw = n - period + 1  # windows; window s covers rows s .. s + period - 1
    s0 = 0
    while s0 < nw:
        m = min(lanes, nw - s0)
        h0 = hs[s0:s0 + m]
        l0 = ls[s0:s0 + m]
        for j in range(m):
            hv[j] = h0[j]
            lv[j] = l0[j]
            hi[j] = 0
            lo[j] = 0
        for k in range(1, period):
            hk = hs[s0 + k:s0 + k + m]
            lk = ls[s0 + k:s0 + k + m]
            for j in range(m):
                v = hk[j]
                up = v > hv[j]
                hv[j] = v if up else hv[j]
                hi[j] = k if up else hi[j]
                w = lk[j]
                dn = w < lv[j]
                lv[j] = w if dn else lv[j]
                lo[j] = k if dn else lo[j]
        o = out[s0 + period - 1:s0 + period - 1 + m]
        for j in range(m):
            o[j] = 100.0 * (hi[j] - lo[j]) / period
        s0 += m
    return out


@numba.njit(cache=True)
def _last_aroonosc_window(c, period):
    # the last window alone, scanned as the naive kernel does (each row depends on its own window only)
    n = c.shape[0]
    if n < period:
        return np.nan
    start = n - period
    hi = 0
    lo = 0
    for k in range(period):
        if c[start + k, HIGH] > c[start + hi, HIGH]:
            hi = k
        if c[start + k, LOW] < c[start + lo, LOW]:
            lo = k
    return 100.0 * (hi - lo) / period


def aroonosc(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """Aroon up minus Aroon down.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> aroonosc(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        np.True_
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "aroonosc")
    if not sequential:
        return _f64(_last_aroonosc_window(c, period))
    # short windows: the vectorized scan; long ones: the O(n) deques
    return _aroonosc_lanes(c, period, _LANES) if period <= 48 else _aroonosc(c, period)
