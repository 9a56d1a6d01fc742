"""ATR - average true range (Wilder's RMA of the true range, SMA seed)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag._config import warmup_candles_num
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import cached_last
from jesse_dag.indicators._fastpath import check_period, ohlcv


@numba.njit(cache=True, inline="always")
def _tr(c, i):
    # TR0 = H0 - L0, then max(H-L, |H-C[-1]|, |L-C[-1]|): the same operations as _kernels.true_range
    if i == 0:
        return c[0, HIGH] - c[0, LOW]
    hl = c[i, HIGH] - c[i, LOW]
    hc = abs(c[i, HIGH] - c[i - 1, CLOSE])
    lc = abs(c[i, LOW] - c[i - 1, CLOSE])
    return max(hl, max(hc, lc))


@numba.njit(cache=True)
def _atr(c, period):
    # true range and Wilder's RMA fused in one pass over the rows (no true-range temporary, no column copies)
    n = c.shape[0]
    out = np.empty(n)
    if n < period:
        out[:] = np.nan
        return out
    total = 0.0
    for i in range(period - 1):
        total += _tr(c, i)
        out[i] = np.nan
    total += _tr(c, period - 1)
    y = total / period
    out[period - 1] = y
    alpha = 1.0 / period
    for i in range(period, n):
        y = y + alpha * (_tr(c, i) - y)
        out[i] = y
    return out


@numba.njit(cache=True)
def _last_atr(c, period):
    # _atr(c, period)[-1] without the array: the same recurrence, so the same bits
    n = c.shape[0]
    if n < period:
        return np.nan
    total = 0.0
    for i in range(period):
        total += _tr(c, i)
    y = total / period
    alpha = 1.0 / period
    for i in range(period, n):
        y = y + alpha * (_tr(c, i) - y)
    return y


@numba.njit(cache=True)
def _atr_windows(c, period, warm, lo, hi):
    out = np.empty(hi - lo)
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo] = _last_atr(c[s:e], period)
    return out


@numba.njit(cache=True)
def _last_atr_tail(c, warm, period):
    # _last_atr on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    return _last_atr(c[_kernels.window_start(c.shape[0], warm):], period)


def atr(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """ATR: mean of the first ``period`` true ranges at ``period-1``, then Wilder smoothing.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> atr(candles_from_close_prices(np.linspace(100, 120, 50))) > 0
        True
    """
    period = check_period(period)
    if not sequential:
        v = cached_last(candles, ("atr", period),
                        lambda slot, w, lo, hi: _atr_windows(slot.pristine, period, w, lo, hi).tolist())
        if v is not None:
            return v
        if _kernels.plain_source_code(candles) >= 0:
            return _last_atr_tail(candles, warmup_candles_num(), period)
        return float(_last_atr(ohlcv(candles, False, "atr"), period))
    return _atr(ohlcv(candles, True, "atr"), period)
