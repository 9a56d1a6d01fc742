"""AROONOSC - Aroon oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators._fastpath import check_period, column, ohlcv


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
def _aroonosc(high, low, period):
    # O(n) with monotonic deques holding the first (earliest) index of each window's max / min, which
    # is what the naive scan's strict comparisons pick; NaN breaks the deque's ordering, so any NaN
    # input takes the naive scan
    n = high.shape[0]
    for i in range(n):
        if np.isnan(high[i]) or np.isnan(low[i]):
            return _aroonosc_naive(high, low, period)
    out = np.empty(n)
    out[:min(period - 1, n)] = np.nan
    qh = np.empty(n, dtype=np.int64)
    ql = np.empty(n, dtype=np.int64)
    h0 = 0
    h1 = 0
    l0 = 0
    l1 = 0
    for i in range(n):
        v = high[i]
        while h1 > h0 and high[qh[h1 - 1]] < v:
            h1 -= 1
        qh[h1] = i
        h1 += 1
        v = low[i]
        while l1 > l0 and low[ql[l1 - 1]] > v:
            l1 -= 1
        ql[l1] = i
        l1 += 1
        if i >= period - 1:
            start = i + 1 - period
            while qh[h0] < start:
                h0 += 1
            while ql[l0] < start:
                l0 += 1
            out[i] = 100.0 * ((qh[h0] - start) - (ql[l0] - start)) / period
    return out


@numba.njit(cache=True)
def _last_aroonosc(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _aroonosc(a0, a1, a2)[-1]


def aroonosc(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """Aroon up minus Aroon down.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> aroonosc(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "aroonosc")
    if not sequential:
        return float(_last_aroonosc(column(c, HIGH), column(c, LOW), period))
    return _aroonosc(column(c, HIGH), column(c, LOW), period)
