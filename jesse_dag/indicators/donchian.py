"""Donchian channel: highest high, lowest low and their midpoint."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_period, ohlcv

DonchianChannel = namedtuple("DonchianChannel", ["upperband", "middleband", "lowerband"])


def donchian(candles: np.ndarray, period: int = 20, sequential: bool = False) -> DonchianChannel:
    """DonchianChannel(upperband, middleband, lowerband).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> d = donchian(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> d.upperband > d.middleband > d.lowerband
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "donchian")
    if not sequential:
        # each row depends on its own window only: the last window's rows alone give the last value
        c = c[max(0, c.shape[0] - period):]
    up = _kernels.rolling_max(c[:, HIGH], period)
    lo = _kernels.rolling_min(c[:, LOW], period)
    if not sequential:
        u, d = float(up[-1]), float(lo[-1])
        return DonchianChannel(u, (u + d) / 2, d)
    return DonchianChannel(up, (up + lo) / 2, lo)
