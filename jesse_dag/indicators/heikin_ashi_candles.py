"""Heikin-Ashi candles."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import ohlcv

HA = namedtuple("HA", ["open", "close", "high", "low"])


@numba.njit(cache=True)
def _last_ha(o, c, h, l):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = k2.heikin_ashi(o, c, h, l)
    return r[0][-1], r[1][-1], r[2][-1], r[3][-1]


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
    if not sequential:
        return HA(*map(float, _last_ha(c[:, OPEN], c[:, CLOSE], c[:, HIGH], c[:, LOW])))
    return HA(*k2.heikin_ashi(c[:, OPEN], c[:, CLOSE], c[:, HIGH], c[:, LOW]))
