"""SMA - simple moving average."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def sma(candles: np.ndarray, period: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Mean of the trailing ``period`` values; NaN for the first ``period-1`` rows.

    Example:
        >>> import numpy as np
        >>> sma(np.array([1.0, 2.0, 3.0]), 2)
        2.5
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(_kernels.sma(source, period), sequential)
