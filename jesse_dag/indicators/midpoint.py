"""Midpoint over a period."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def midpoint(candles: np.ndarray, period: int = 14, source_type: str = "close",
             sequential: bool = False) -> float | np.ndarray:
    """``(max + min) / 2`` of each ``period`` window of the source; NaN before the first window.

    Example:
        >>> import numpy as np
        >>> midpoint(np.arange(0.0, 20.0), 5)
        17.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(k2.rolling_mid(source, source, period), sequential)
