"""CCI - commodity channel index on the typical price."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _typical(c):
    n = c.shape[0]
    tp = np.empty(n)
    for i in range(n):
        tp[i] = (c[i, HIGH] + c[i, LOW] + c[i, CLOSE]) / 3.0
    return tp


@numba.njit(cache=True, inline="always")
def _cci_row(tp, i, period):
    # each window's mean is summed afresh, left to right (a running sum rounds differently, and near a
    # zero deviation the ratio magnifies that beyond the parity tolerance)
    m = 0.0
    for k in range(i - period + 1, i + 1):
        m += tp[k]
    m /= period
    md = 0.0
    for k in range(i - period + 1, i + 1):
        md += abs(tp[k] - m)
    md /= period
    return 0.0 if md == 0.0 else (tp[i] - m) / (0.015 * md)


@numba.njit(cache=True)
def _cci(c, period):
    n = c.shape[0]
    tp = _typical(c)
    out = np.empty(n)
    out[:min(period - 1, n)] = np.nan
    # many windows at a time, each with its own two passes in its own window's order (the same bits as one
    # window at a time); the loops over the windows run on slices indexed from 0, which LLVM vectorizes
    lanes = _kernels.LANES
    mean = np.empty(lanes)
    dev = np.empty(lanes)
    i0 = period - 1
    while i0 < n:
        m = min(lanes, n - i0)
        b = i0 - period + 1
        _kernels.window_means(tp, b, m, period, mean)
        dev[:m] = 0.0
        for k in range(period):
            ts = tp[b + k:b + k + m]
            for j in range(m):
                dev[j] += abs(ts[j] - mean[j])
        cur = tp[i0:i0 + m]
        o = out[i0:i0 + m]
        for j in range(m):
            d = dev[j] / period
            o[j] = 0.0 if d == 0.0 else (cur[j] - mean[j]) / (0.015 * d)
        i0 += m
    return out


@numba.njit(cache=True)
def _last_cci(c, period):
    # the last window only (each row's value depends on its own window alone)
    n = c.shape[0]
    if n < period:
        return np.nan
    tp = np.empty(period)
    for j in range(period):
        i = n - period + j
        tp[j] = (c[i, HIGH] + c[i, LOW] + c[i, CLOSE]) / 3.0
    return _cci_row(tp, period - 1, period)


def cci(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """CCI = (TP - SMA(TP)) / (0.015 * mean deviation); 0 when the deviation is 0.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> cci(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        np.True_
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "cci")
    if not sequential:
        return _f64(_last_cci(c, period))
    return _cci(c, period)
