"""Pascal's weighted moving average."""
from __future__ import annotations

from math import comb

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def pwma(candles: np.ndarray, period: int = 5, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Window weighted by row ``period-1`` of Pascal's triangle (normalised); NaN before the first window.

    Example:
        >>> import numpy as np
        >>> pwma(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
        3.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    row = np.array([comb(period - 1, i) for i in range(period)], dtype=np.float64)
    return last_or_all(k2.weighted_window(source, row / row.sum()), sequential)
