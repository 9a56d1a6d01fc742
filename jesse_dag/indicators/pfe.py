"""Polarized fractal efficiency."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _last_k2_polarized_fractal_efficiency(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return k2.polarized_fractal_efficiency(a0, a1, a2)[-1]


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
    if not sequential:
        return float(_last_k2_polarized_fractal_efficiency(source, period, smoothing))
    return k2.polarized_fractal_efficiency(source, period, smoothing)
