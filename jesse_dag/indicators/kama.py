"""Kaufman adaptive moving average."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def kama(candles: np.ndarray, period: int = 14, fast_length: int = 2, slow_length: int = 30,
         source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """KAMA: the efficiency ratio picks a smoothing between the fast and slow EMA constants.

    The first ``period`` values are the source itself (all of them if there are no more).

    Example:
        >>> import numpy as np
        >>> round(kama(np.arange(1.0, 60.0)), 3) < 59
        True
    """
    period = check_period(period)
    fast_length = check_period(fast_length, "kama: fast_length")
    slow_length = check_period(slow_length, "kama: slow_length")
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(k2.kama(source, period, fast_length, slow_length), sequential)
