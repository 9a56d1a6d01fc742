"""ATR - average true range (Wilder's RMA of the true range, SMA seed)."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv


def atr(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """ATR: mean of the first ``period`` true ranges at ``period-1``, then Wilder smoothing.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> atr(candles_from_close_prices(np.linspace(100, 120, 50))) > 0
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "atr")
    tr = _kernels.true_range(column(c, HIGH), column(c, LOW), column(c, CLOSE))
    return last_or_all(_kernels.wilder(tr, period), sequential)
