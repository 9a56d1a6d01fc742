"""ROCR - rate of change ratio."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators._fastpath import check_period, last_or_all, source_of


def rocr(candles: np.ndarray, period: int = 10, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """``x / x[-period]``; NaN for the first ``period`` rows.

    Example:
        >>> import numpy as np
        >>> round(rocr(np.array([100.0, 110.0, 121.0]), 1), 9)
        1.1
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    res = np.full(source.shape[0], np.nan)
    if source.shape[0] > period:
        res[period:] = source[period:] / source[:-period]
    return last_or_all(res, sequential)
