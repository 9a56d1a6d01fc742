"""CCI - commodity channel index on the typical price."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv


@numba.njit(cache=True)
def _cci(high, low, close, period):
    n = high.shape[0]
    tp = (high + low + close) / 3.0
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        m = 0.0
        for k in range(i - period + 1, i + 1):
            m += tp[k]
        m /= period
        md = 0.0
        for k in range(i - period + 1, i + 1):
            md += abs(tp[k] - m)
        md /= period
        out[i] = 0.0 if md == 0.0 else (tp[i] - m) / (0.015 * md)
    return out


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
    return last_or_all(_cci(column(c, HIGH), column(c, LOW), column(c, CLOSE), period), sequential)
