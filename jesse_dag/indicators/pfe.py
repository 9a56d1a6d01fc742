"""Polarized fractal efficiency."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def pfe(candles: np.ndarray, period: int = 10, smoothing: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Signed ratio of the straight distance to the path length over ``period``, EMA-smoothed.

    Like Jesse, the straight distance uses the ``(period-1)``-th order difference of the source.

    Example:
        >>> import numpy as np
        >>> isinstance(pfe(np.linspace(100.0, 120.0, 60)), float)
        True
    """
    period = check_period(period)
    if period < 2:
        raise ValueError(f"pfe: period must be >= 2, got {period}")
    smoothing = check_period(smoothing, "pfe: smoothing")
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(k2.polarized_fractal_efficiency(source, period, smoothing), sequential)
