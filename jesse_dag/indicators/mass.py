"""Mass index."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv


def mass(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Sum over ``period`` of EMA9(range) / EMA9(EMA9(range)); 0.0 (not NaN) before the first window.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 4 < mass(candles_from_close_prices(np.linspace(100, 110, 80))) < 6
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "mass")
    return last_or_all(k2.mass_index(column(c, HIGH), column(c, LOW), period), sequential)
