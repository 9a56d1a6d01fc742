"""TRIMA: triangular moving average (Jesse ``ta.trima``)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels_averages import weighted_window_average

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_weighted_window_average(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return weighted_window_average(a0, a1)[-1]


def trima(candles: np.ndarray, period: int = 30, source_type: str = "close",
          sequential: bool = False) -> float | np.ndarray:
    """Triangular-weighted average of each ``period`` window; the first ``period - 1`` rows are NaN.

    Weights are ``1..mid+1..1`` for odd periods and ``1..mid, mid..1`` for even ones (``mid = p // 2``).

    Example:
        >>> import numpy as np
        >>> trima(np.array([1.0, 2.0, 3.0]), period=3)
        np.float64(2.0)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    mid = period // 2
    if period % 2:
        weights = np.concatenate([np.arange(1, mid + 2), np.arange(mid, 0, -1)]).astype(np.float64)
    else:
        weights = np.concatenate([np.arange(1, mid + 1), np.arange(mid, 0, -1)]).astype(np.float64)
    if not sequential:
        return _f64(_last_weighted_window_average(source, weights / weights.sum()))
    res = weighted_window_average(source, weights / weights.sum())
    return res
