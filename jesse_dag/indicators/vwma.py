"""VWMA: volume-weighted moving average (Jesse ``ta.vwma``).

Partial windows are used for the first ``period - 1`` rows (no NaN warm-up); a window with zero volume
gives NaN. A 1-D series is averaged with unit volumes.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import as_candles, check_period, column, slice_candles, SOURCE_TYPES

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _ring_size(period):
    # a power of two holding the last ``period + 1`` cumulative sums (a window subtracts the one before its start)
    cap = 1
    while cap < period + 1:
        cap *= 2
    return cap


@numba.njit(cache=True)
def vwma_kernel(price, vol, period):
    """Rolling ``Σ price·vol / Σ vol`` from running cumulative sums (Jesse's evaluation order)."""
    # one pass: the cumulative sums carried in registers, the last ``period + 1`` of them kept in a ring
    n = price.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    mask = _ring_size(period) - 1
    ring_pv = np.empty(mask + 1)
    ring_v = np.empty(mask + 1)
    pv = price[0] * vol[0]
    v = vol[0]
    for i in range(n):
        if i > 0:
            pv = pv + price[i] * vol[i]
            v = v + vol[i]
        ring_pv[i & mask] = pv
        ring_v[i & mask] = v
        if i >= period:
            s_pv = pv - ring_pv[(i - period) & mask]
            s_v = v - ring_v[(i - period) & mask]
        else:
            s_pv = pv
            s_v = v
        out[i] = s_pv / s_v if s_v != 0.0 else np.nan
    return out


@numba.njit(cache=True)
def _vwma_rows(c, code, period):
    # vwma_kernel of the source ``code`` and the volume of 2-D candles, read row by row (scalar loads through
    # scalar_row; a derived price computed as numpy does), without the column copies: the same bits
    n = c.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    mask = _ring_size(period) - 1
    ring_pv = np.empty(mask + 1)
    ring_v = np.empty(mask + 1)
    pv = _kernels.source_at(c, 0, code) * c[0, VOLUME]
    v = c[0, VOLUME]
    for i in range(n):
        if i > 0:
            r = _kernels.scalar_row(np.uint64(i))
            vol = c[r, VOLUME]
            pv = pv + _kernels.source_at(c, r, code) * vol
            v = v + vol
        ring_pv[i & mask] = pv
        ring_v[i & mask] = v
        if i >= period:
            s_pv = pv - ring_pv[(i - period) & mask]
            s_v = v - ring_v[(i - period) & mask]
        else:
            s_pv = pv
            s_v = v
        out[i] = s_pv / s_v if s_v != 0.0 else np.nan
    return out


@numba.njit(cache=True)
def _last_vwma_kernel(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return vwma_kernel(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_vwma_rows(c, code, warm, period):
    # vwma_kernel(...)[-1] on Jesse's trailing ``warm`` rows of 2-D candles: the same cumulative sums, read
    # straight from the rows, keeping the one value the last window subtracts
    n = c.shape[0]
    s0 = _kernels.window_start(n, warm)
    m = n - s0
    last = m - 1
    start = last - period + 1 if last >= period else 0
    pv = _kernels.source_at(c, s0, code) * c[s0, VOLUME]
    v = c[s0, VOLUME]
    pv_before = 0.0
    v_before = 0.0
    if start == 1:
        pv_before = pv
        v_before = v
    for r in range(1, m):
        i = s0 + r
        pv = pv + _kernels.source_at(c, i, code) * c[i, VOLUME]
        v = v + c[i, VOLUME]
        if r == start - 1:
            pv_before = pv
            v_before = v
    if start != 0:
        pv = pv - pv_before
        v = v - v_before
    return pv / v if v != 0.0 else np.nan


def vwma(candles: np.ndarray, period: int = 20, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Volume-weighted moving average.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(2), np.ones(2), [1.0, 4.0], np.ones(2), np.ones(2), [1.0, 2.0]])
        >>> vwma(c, period=2)
        np.float64(3.0)
    """
    period = check_period(period)
    code = _kernels.plain_source_code(candles, source_type)
    if code >= 0:
        if sequential:
            return _vwma_rows(candles, code, period)
        return _f64(_last_vwma_rows(candles, code, _warmup_now(), period))
    arr = as_candles(candles)
    if arr.ndim == 1:
        price = np.ascontiguousarray(arr)
        vol = np.ones(arr.shape[0])
    else:
        if source_type not in SOURCE_TYPES:
            raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
        arr = slice_candles(arr, sequential)
        price = _core.source(arr, source_type)
        vol = column(arr, VOLUME)
    if not sequential:
        return _f64(_last_vwma_kernel(price, vol, period))
    res = vwma_kernel(price, vol, period)
    return res
