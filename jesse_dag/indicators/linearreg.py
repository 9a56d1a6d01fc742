"""LINEARREG - value at the last point of the least-squares line."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels_rolling
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_linreg_line(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_rolling.linreg_line_last(a0, a1)


def linearreg(candles: np.ndarray, period: int = 14, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Least-squares fit of each ``period`` window against x = 0..period-1; NaN before the first window.

    Example:
        >>> import numpy as np
        >>> round(linearreg(np.arange(0.0, 40.0, 2.0)), 9)
        np.float64(38.0)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_linreg_line(source, period))
    return _kernels_rolling.linreg_line(source, period)
