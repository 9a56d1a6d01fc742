"""AROONOSC - Aroon oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv


@numba.njit(cache=True)
def _aroonosc(high, low, period):
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
    return last_or_all(_aroonosc(column(c, HIGH), column(c, LOW), period), sequential)
