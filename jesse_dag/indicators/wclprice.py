"""WCLPRICE: weighted close price ``(high + low + 2·close) / 4`` (Jesse ``ta.wclprice``)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._core import column, ohlcv


@numba.njit(cache=True)
def _wclprice(close, high, low):
    return (high + low + 2.0 * close) / 4.0


def wclprice(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Weighted close price of each candle.

    Example:
        >>> import numpy as np
        >>> wclprice(np.array([[0, 1, 2.0, 4.0, 0.0, 1]]))
        2.0
    """
    c = ohlcv(candles, sequential, "wclprice")
    res = _wclprice(column(c, CLOSE), column(c, HIGH), column(c, LOW))
    return res if sequential else float(res[-1])
