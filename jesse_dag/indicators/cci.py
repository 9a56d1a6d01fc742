"""CCI - commodity channel index on the typical price."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._fastpath import check_period, ohlcv


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
    i = period - 1
    # four windows at a time: four independent sums, each still added in its own window's order (the same
    # bits as one window at a time), so the adds overlap instead of waiting on each other
    while i + 3 < n:
        s = i - period + 1
        m0 = 0.0
        m1 = 0.0
        m2 = 0.0
        m3 = 0.0
        for k in range(period):
            m0 += tp[s + k]
            m1 += tp[s + k + 1]
            m2 += tp[s + k + 2]
            m3 += tp[s + k + 3]
        m0 /= period
        m1 /= period
        m2 /= period
        m3 /= period
        d0 = 0.0
        d1 = 0.0
        d2 = 0.0
        d3 = 0.0
        for k in range(period):
            d0 += abs(tp[s + k] - m0)
            d1 += abs(tp[s + k + 1] - m1)
            d2 += abs(tp[s + k + 2] - m2)
            d3 += abs(tp[s + k + 3] - m3)
        d0 /= period
        d1 /= period
        d2 /= period
        d3 /= period
        out[i] = 0.0 if d0 == 0.0 else (tp[i] - m0) / (0.015 * d0)
        out[i + 1] = 0.0 if d1 == 0.0 else (tp[i + 1] - m1) / (0.015 * d1)
        out[i + 2] = 0.0 if d2 == 0.0 else (tp[i + 2] - m2) / (0.015 * d2)
        out[i + 3] = 0.0 if d3 == 0.0 else (tp[i + 3] - m3) / (0.015 * d3)
        i += 4
    while i < n:
        out[i] = _cci_row(tp, i, period)
        i += 1
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
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "cci")
    if not sequential:
        return float(_last_cci(c, period))
    return _cci(c, period)
