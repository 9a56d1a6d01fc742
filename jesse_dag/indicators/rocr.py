"""ROCR - rate of change ratio."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


# error_model="numpy": x / 0 gives inf or NaN as numpy does, not an exception
@numba.njit(cache=True, error_model="numpy")
def _rocr(x, period):
    n = x.shape[0]
    out = np.empty(n)
    out[:min(period, n)] = np.nan
    for i in range(period, n):
        out[i] = x[i] / x[i - period]
    return out


@numba.njit(cache=True, error_model="numpy")
def _last_rocr(x, period):
    i = x.shape[0] - 1
    if i < period:
        return np.nan
    return x[i] / x[i - period]


def rocr(candles: np.ndarray, period: int = 10, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """``x / x[-period]``; NaN for the first ``period`` rows.

    Example:
        >>> import numpy as np
        >>> round(rocr(np.array([100.0, 110.0, 121.0]), 1), 9)
        np.float64(1.1)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _rocr(source, period)
    return _f64(_last_rocr(source, period))
