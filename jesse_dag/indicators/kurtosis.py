"""Rolling kurtosis."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def kurtosis(candles: np.ndarray, period: int = 5, source_type: str = "hl2",
             sequential: bool = False) -> float | np.ndarray:
    """Biased Fisher kurtosis (scipy's default) of each ``period`` window; NaN before and on flat windows.

    Example:
        >>> import numpy as np
        >>> round(kurtosis(np.array([1.0, 2.0, 3.0, 4.0, 5.0])), 6)
        -1.3
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(k2.kurtosis_window(source, period), sequential)
