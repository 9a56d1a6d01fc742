"""ROCP - rate of change as a fraction."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, error_model="numpy")  # x / 0 gives inf or NaN as numpy does, no exception
def _rocp(x, period):
    n = x.shape[0]
    out = np.empty(n)
    out[:min(period, n)] = np.nan
    for i in range(period, n):
        out[i] = (x[i] - x[i - period]) / x[i - period]
    return out


def rocp(candles: np.ndarray, period: int = 10, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """``(x - x[-period]) / x[-period]``; NaN for the first ``period`` rows.

    Example:
        >>> import numpy as np
        >>> round(rocp(np.array([100.0, 110.0, 121.0]), 1), 9)
        np.float64(0.1)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _rocp(source, period)
    n = source.shape[0]
    if n <= period:
        return _f64("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _f64((source[n - 1] - source[n - 1 - period]) / source[n - 1 - period])
