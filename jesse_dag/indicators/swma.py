"""SWMA: symmetric (triangular-weight) moving average (Jesse ``ta.swma``)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels_averages import weighted_window_average

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def _symmetric_triangle(n: int) -> np.ndarray:
    # n=4 -> [1, 2, 2, 1]; n=5 -> [1, 2, 3, 2, 1]; n=2 -> [1, 1]; n=1 -> [1]
    if n <= 2:
        tri = np.ones(n)
    elif n % 2 == 0:
        front = np.arange(1, n // 2 + 1, dtype=np.float64)
        tri = np.concatenate([front, front[::-1]])
    else:
        front = np.arange(1, (n + 1) // 2 + 1, dtype=np.float64)
        tri = np.concatenate([front, front[-2::-1]])
    return tri / tri.sum()


@numba.njit(cache=True)
def _last_weighted_window_average(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return weighted_window_average(a0, a1)[-1]


def swma(candles: np.ndarray, period: int = 5, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Symmetric weighted average of each ``period`` window; the first ``period - 1`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> round(swma(np.array([1.0, 2.0, 3.0, 4.0]), period=4), 9)
        np.float64(2.5)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_weighted_window_average(source, _symmetric_triangle(period)))
    res = weighted_window_average(source, _symmetric_triangle(period))
    return res
