"""SuperTrend: ATR bands around hl2 that ratchet with the trend."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import cached_last, check_number, check_period, column, ohlcv

SuperTrend = namedtuple("SuperTrend", ["trend", "changed"])


@numba.njit(cache=True)
def _supertrend(high, low, close, period, factor):
    n = high.shape[0]
    trend = np.zeros(n)
    changed = np.zeros(n)
    if n < period:
        return trend, changed
    atr = _kernels.wilder(_kernels.true_range(high, low, close), period)
    up = np.empty(n)
    dn = np.empty(n)
    for i in range(n):
        mid = (high[i] + low[i]) / 2.0
        up[i] = mid + factor * atr[i]
        dn[i] = mid - factor * atr[i]
    p = period - 1
    trend[p] = up[p] if close[p] <= up[p] else dn[p]
    for i in range(period, n):
        if close[i - 1] <= up[i - 1]:
            up[i] = min(up[i], up[i - 1])
        if close[i - 1] >= dn[i - 1]:
            dn[i] = max(dn[i], dn[i - 1])
        if trend[i - 1] == up[i - 1]:
            if close[i] <= up[i]:
                trend[i] = up[i]
            else:
                trend[i] = dn[i]
                changed[i] = 1.0
        else:
            if close[i] >= dn[i]:
                trend[i] = dn[i]
            else:
                trend[i] = up[i]
                changed[i] = 1.0
    return trend, changed


@numba.njit(cache=True)
def _supertrend_windows(high, low, close, period, factor, warm, lo, hi):
    out = np.empty((hi - lo, 2))
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        trend, changed = _supertrend(high[s:e], low[s:e], close[s:e], period, factor)
        out[e - lo, 0] = trend[-1]
        out[e - lo, 1] = changed[-1]
    return out


def _supertrend_cached(slot, w, lo, hi, period, factor):
    rows = _supertrend_windows(slot.column(HIGH), slot.column(LOW), slot.column(CLOSE), period, factor, w, lo, hi)
    return [tuple(r) for r in rows.tolist()]


def supertrend(candles: np.ndarray, period: int = 10, factor: float = 3,
               sequential: bool = False) -> SuperTrend:
    """SuperTrend(trend, changed); ``trend`` is 0.0 before ``period-1``, ``changed`` is 0.0/1.0.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> supertrend(candles_from_close_prices(np.linspace(100, 120, 50))).changed
        0.0
    """
    period = check_period(period)
    factor = check_number(factor, "factor")
    if not sequential:
        v = cached_last(candles, ("supertrend", period, factor),
                        lambda slot, w, lo, hi: _supertrend_cached(slot, w, lo, hi, period, factor))
        if v is not None:
            return SuperTrend(*v)
    c = ohlcv(candles, sequential, "supertrend")
    trend, changed = _supertrend(column(c, HIGH), column(c, LOW), column(c, CLOSE), period, factor)
    if sequential:
        return SuperTrend(trend, changed)
    return SuperTrend(float(trend[-1]), float(changed[-1]))
