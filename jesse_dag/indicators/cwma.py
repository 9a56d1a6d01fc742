"""CWMA - cubed weighted moving average."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def cwma(candles: np.ndarray, period: int = 14, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Weights ``(period - i)**3`` on the newest ``period-1`` bars; the first ``period+1`` rows are the input.

    Example:
        >>> import numpy as np
        >>> cwma(np.ones(30))
        1.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(_kernels.power_weighted_ma(source, period, 3.0, 0.0), sequential)
