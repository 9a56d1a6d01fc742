"""Mean absolute deviation."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def mean_ad(candles: np.ndarray, period: int = 5, source_type: str = "hl2",
            sequential: bool = False) -> float | np.ndarray:
    """Jesse's mean absolute deviation: rolling mean of ``|x - rolling mean(x)|`` (partial at the start).

    Example:
        >>> import numpy as np
        >>> mean_ad(np.array([1.0, 1.0, 1.0, 1.0, 1.0, 6.0]))
        2.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(k2.mean_abs_dev(source, period), sequential)
