"""EPMA - end point moving average."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def epma(candles: np.ndarray, period: int = 11, offset: int = 4, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Weights ``period - i - offset`` on the newest ``period-1`` bars; early rows are the input.

    Example:
        >>> import numpy as np
        >>> epma(np.ones(30))
        1.0
    """
    period = check_period(period)
    if int(offset) != offset or offset < 0:
        raise ValueError(f"offset must be an integer >= 0, got {offset!r}")
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(_kernels.power_weighted_ma(source, period, 1.0, float(offset)), sequential)
