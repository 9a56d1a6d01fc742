"""RSI Laguerre filter (Ehlers)."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_number, last_or_all, ohlcv


def lrsi(candles: np.ndarray, alpha: float = 0.2, sequential: bool = False) -> float | np.ndarray | None:
    """Laguerre RSI (0..1) of the median price; None if the last value is NaN.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= lrsi(candles_from_close_prices(np.linspace(100, 110, 60))) <= 1
        True
    """
    alpha = check_number(alpha, "lrsi: alpha")
    c = ohlcv(candles, sequential, "lrsi")
    res = k2.laguerre_rsi(np.ascontiguousarray((c[:, HIGH] + c[:, LOW]) / 2), alpha)
    if not sequential and np.isnan(res[-1]):
        return None
    return last_or_all(res, sequential)
