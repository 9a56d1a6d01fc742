"""Mean absolute deviation."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _last_k2_mean_abs_dev(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return k2.mean_abs_dev(a0, a1)[-1]


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
    if not sequential:
        return float(_last_k2_mean_abs_dev(source, period))
    return k2.mean_abs_dev(source, period)
