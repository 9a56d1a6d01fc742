"""LINEARREG_SLOPE - slope of the least-squares line."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_rolling
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_linreg_slope(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_rolling.linreg_slope(a0, a1)[-1]


@numba.njit(cache=True)
def _last_linreg_slope_src(c, code, warm, a0):
    # _last_linreg_slope on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_linreg_slope(w[:, code], a0)
    return _last_linreg_slope(_kernels.derived_source(w, code), a0)


def linearreg_slope(candles: np.ndarray, period: int = 14, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Least-squares fit of each ``period`` window against x = 0..period-1; NaN before the first window.

    Example:
        >>> import numpy as np
        >>> round(linearreg_slope(np.arange(0.0, 40.0, 2.0)), 9)
        np.float64(2.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_linreg_slope_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_linreg_slope(source, period))
    return _kernels_rolling.linreg_slope(source, period)
