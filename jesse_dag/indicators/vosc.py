"""VOSC: volume oscillator (Jesse ``ta.vosc``): ``(sma(vol, short) - sma(vol, long)) / sma(vol, long) × 100``."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators._fastpath import check_period, column, ohlcv
from jesse_dag.indicators._kernels import sma


def vosc(candles: np.ndarray, short_period: int = 2, long_period: int = 5,
         sequential: bool = False) -> float | np.ndarray:
    """Volume oscillator in percent; NaN until both averages exist.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(4), np.ones(4), np.ones(4), np.ones(4), np.ones(4), [1.0, 1, 2, 2]])
        >>> vosc(c, short_period=2, long_period=4)
        33.33333333333333
    """
    short_period = check_period(short_period, "short_period")
    long_period = check_period(long_period, "long_period")
    c = ohlcv(candles, sequential, "vosc")
    vol = column(c, VOLUME)
    long_sma = sma(vol, long_period)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = (sma(vol, short_period) - long_sma) / long_sma * 100
    return res if sequential else float(res[-1])
