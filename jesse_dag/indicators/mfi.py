"""Money flow index."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, VOLUME
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv


def mfi(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """MFI from rolling positive/negative money flow; 100 when there is no negative flow.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= mfi(candles_from_close_prices(np.linspace(100, 110, 60))) <= 100
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "mfi")
    res = k2.money_flow_index(column(c, HIGH), column(c, LOW), column(c, CLOSE), column(c, VOLUME), period)
    return last_or_all(res, sequential)
