"""VWMA: volume-weighted moving average (Jesse ``ta.vwma``).

Partial windows are used for the first ``period - 1`` rows (no NaN warm-up); a window with zero volume
gives NaN. A 1-D series is averaged with unit volumes.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators import _kernels
from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import as_candles, check_period, column, slice_candles, SOURCE_TYPES


@numba.njit(cache=True)
def vwma_kernel(price, vol, period):
    """Rolling ``Σ price·vol / Σ vol`` from running cumulative sums (Jesse's evaluation order)."""
    n = price.shape[0]
    out = np.full(n, np.nan)
    if n == 0:
        return out
    cum_pv = np.empty(n)
    cum_v = np.empty(n)
    cum_pv[0] = price[0] * vol[0]
    cum_v[0] = vol[0]
    for i in range(1, n):
        cum_pv[i] = cum_pv[i - 1] + price[i] * vol[i]
        cum_v[i] = cum_v[i - 1] + vol[i]
    for i in range(n):
        start = i - period + 1 if i >= period else 0
        if start == 0:
            s_pv = cum_pv[i]
            s_v = cum_v[i]
        else:
            s_pv = cum_pv[i] - cum_pv[start - 1]
            s_v = cum_v[i] - cum_v[start - 1]
        if s_v != 0.0:
            out[i] = s_pv / s_v
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
        3.0
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return float(_last_vwma_rows(candles, code, _warmup_candles_num.get(), period))
    arr = as_candles(candles)
    if arr.ndim == 1:
        price = np.ascontiguousarray(arr)
        vol = np.ones(arr.shape[0])
    else:
        if source_type not in SOURCE_TYPES:
            raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
        arr = slice_candles(arr, sequential)
        price = fp.source(arr, source_type)
        vol = column(arr, VOLUME)
    if not sequential:
        return float(_last_vwma_kernel(price, vol, period))
    res = vwma_kernel(price, vol, period)
    return res
