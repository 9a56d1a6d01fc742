"""Hull moving average."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def hma(candles: np.ndarray, period: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """WMA(2*WMA(x, p//2) - WMA(x, p), int(sqrt(p))), with Jesse's 0.0 (not NaN) warm-up rows.

    Example:
        >>> import numpy as np
        >>> round(hma(np.arange(1.0, 51.0)), 6)
        50.333333
    """
    period = check_period(period)
    if period < 2:
        raise ValueError(f"hma: period must be >= 2 (half and sqrt lengths must be >= 1), got {period}")
    _, source = source_of(candles, source_type, sequential)
    raw = 2.0 * k2.wma_zero(source, period // 2) - k2.wma_zero(source, period)
    return last_or_all(k2.wma_zero(raw, int(np.sqrt(period))), sequential)
