"""TYPPRICE: typical price ``(high + low + close) / 3`` (Jesse ``ta.typprice``)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._core import column, ohlcv


@numba.njit(cache=True)
def _typprice(close, high, low):
    return (close + high + low) / 3.0


def typprice(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Typical price of each candle.

    Example:
        >>> import numpy as np
        >>> typprice(np.array([[0, 1, 2.0, 4.0, 0.0, 1]]))
        2.0
    """
    c = ohlcv(candles, sequential, "typprice")
    res = _typprice(column(c, CLOSE), column(c, HIGH), column(c, LOW))
    return res if sequential else float(res[-1])
