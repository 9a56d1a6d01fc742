"""WMA: linearly weighted moving average (Jesse ``ta.wma``), weights 1..period, newest heaviest."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels import wma as _wma


def wma(candles: np.ndarray, period: int = 30, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Weighted moving average; the first ``period - 1`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> wma(np.array([1.0, 2.0, 3.0]), period=2)
        2.6666666666666665
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    res = _wma(source, period)
    return res if sequential else float(res[-1])
