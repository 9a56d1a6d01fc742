"""EMA - exponential moving average (Jesse's seed: the first value, not an SMA)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def ema(candles: np.ndarray, period: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """EMA with alpha ``2/(period+1)`` seeded at the first value; all NaN when ``period`` > length.

    Example:
        >>> import numpy as np
        >>> round(ema(np.array([1.0, 2.0, 3.0]), 2), 4)
        2.5556
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(_kernels.ema(source, period), sequential)
