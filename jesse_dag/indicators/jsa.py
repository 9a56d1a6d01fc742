"""Jsa moving average."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_period, last_or_all, source_of


def jsa(candles: np.ndarray, period: int = 30, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Mean of the value now and ``period`` rows ago (NaN for the first ``period`` rows).

    Example:
        >>> import numpy as np
        >>> jsa(np.arange(0.0, 40.0))
        24.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    return last_or_all((source + k2.shift_fill(source, period)) / 2, sequential)
