"""ATR - average true range (Wilder's RMA of the true range, SMA seed)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import cached_last, check_period, column, last_or_all, ohlcv


@numba.njit(cache=True)
def _atr_windows(high, low, close, period, warm, lo, hi):
    out = np.empty(hi - lo)
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo] = _kernels.wilder(_kernels.true_range(high[s:e], low[s:e], close[s:e]), period)[-1]
    return out


def _atr_cached(slot, w, lo, hi, period):
    return _atr_windows(slot.column(HIGH), slot.column(LOW), slot.column(CLOSE), period, w, lo, hi).tolist()


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
        v = cached_last(candles, ("atr", period), lambda slot, w, lo, hi: _atr_cached(slot, w, lo, hi, period))
        if v is not None:
            return v
    c = ohlcv(candles, sequential, "atr")
    tr = _kernels.true_range(column(c, HIGH), column(c, LOW), column(c, CLOSE))
    return last_or_all(_kernels.wilder(tr, period), sequential)
