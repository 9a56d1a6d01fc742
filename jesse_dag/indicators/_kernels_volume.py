"""Volume flows: on-balance volume, negative / positive volume index, money flow index, Klinger's volume force.

Numba kernels (``cache=True``, compiled for the argument types first seen); each takes float64 arrays and
scalar parameters and reproduces one Jesse 3.5.3 computation's seeds and warm-up (its docstring names them);
the indicator modules validate, slice and pick sources before calling them.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_volume import on_balance_volume
    >>> on_balance_volume(np.array([1.0, 2.0, 1.5]), np.array([10.0, 5.0, 4.0])).tolist()
    [10.0, 15.0, 11.0]
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels  # noqa: F401  (importing it keeps freed memory: keep_freed_memory)


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
