"""CORREL - rolling Pearson correlation of high and low."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv


@numba.njit(cache=True)
def pearson(x, y, period):
    """Rolling Pearson correlation (two-pass per window; NaN warm-up, NaN on a zero variance)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        mx = 0.0
        my = 0.0
        for k in range(i - period + 1, i + 1):
            mx += x[k]
            my += y[k]
        mx /= period
        my /= period
        sxy = 0.0
        sxx = 0.0
        syy = 0.0
        for k in range(i - period + 1, i + 1):
            dx = x[k] - mx
            dy = y[k] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        den = np.sqrt(sxx * syy)
        out[i] = sxy / den if den != 0.0 else (np.nan if sxy == 0.0 else np.sign(sxy) * np.inf)
    return out


def correl(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Correlation of high and low over ``period`` bars.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> correl(candles_from_close_prices(np.linspace(100, 150, 60))) > 0.9
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "correl")
    return last_or_all(pearson(column(c, HIGH), column(c, LOW), period), sequential)
