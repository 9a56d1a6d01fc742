"""ROC - rate of change in percent."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators._fastpath import check_period, last_or_all, source_of


def roc(candles: np.ndarray, period: int = 10, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """``(x / x[-period] - 1) * 100``; NaN for the first ``period`` rows.

    Example:
        >>> import numpy as np
        >>> round(roc(np.array([100.0, 110.0, 121.0]), 1), 9)
        10.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    res = np.full(source.shape[0], np.nan)
    if source.shape[0] > period:
        res[period:] = (source[period:] / source[:-period] - 1) * 100
    return last_or_all(res, sequential)
