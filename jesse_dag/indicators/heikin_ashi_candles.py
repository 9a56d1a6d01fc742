"""Heikin-Ashi candles."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import column, ohlcv

HA = namedtuple("HA", ["open", "close", "high", "low"])


def heikin_ashi_candles(candles: np.ndarray, sequential: bool = False) -> HA:
    """Heikin-Ashi open/close/high/low; row 0 is NaN.

    As in Jesse, each HA open averages the previous *raw* candle's open and close.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> ha = heikin_ashi_candles(candles_from_close_prices(np.linspace(100, 110, 30)))
        >>> ha.high >= ha.low
        True
    """
    c = ohlcv(candles, sequential, "heikin_ashi_candles")
    o, cl, h, l = k2.heikin_ashi(column(c, OPEN), column(c, CLOSE), column(c, HIGH), column(c, LOW))
    if sequential:
        return HA(o, cl, h, l)
    return HA(float(o[-1]), float(cl[-1]), float(h[-1]), float(l[-1]))
