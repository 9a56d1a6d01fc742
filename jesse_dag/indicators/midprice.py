"""Midpoint price over a period."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv


def midprice(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """``(highest high + lowest low) / 2`` over each ``period`` window; NaN before the first window.

    Example:
        >>> import numpy as np
        >>> midprice(np.array([[0, 1, 2, 4.0, 1.0, 3.0], [0, 1, 2, 6.0, 2.0, 3.0]]), 2)
        3.5
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "midprice")
    return last_or_all(k2.rolling_mid(column(c, HIGH), column(c, LOW), period), sequential)
