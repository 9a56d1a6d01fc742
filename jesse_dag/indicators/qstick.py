"""QStick."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE, OPEN
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv


def qstick(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Mean of ``close - open`` over ``period`` rows; 0.0 (not NaN) before the first full window.

    Example:
        >>> import numpy as np
        >>> qstick(np.array([[0, 1.0, 2.0, 2, 1, 1]] * 5))
        1.0
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "qstick")
    return last_or_all(k2.qstick(column(c, OPEN), column(c, CLOSE), period), sequential)
