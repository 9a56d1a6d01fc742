"""Momentum."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _mom(x, period):
    n = x.shape[0]
    out = np.empty(n)
    out[:min(period, n)] = np.nan
    for i in range(period, n):
        out[i] = x[i] - x[i - period]
    return out


@numba.njit(cache=True)
def _last_mom(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _mom(a0, a1)[-1]


def mom(candles: np.ndarray, period: int = 10, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """``x - x[-period]``; NaN for the first ``period`` rows.

    Example:
        >>> import numpy as np
        >>> mom(np.arange(0.0, 20.0), 4)
        4.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_mom(source, period))
    return _mom(source, period)
