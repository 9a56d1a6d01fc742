"""Pascal's weighted moving average."""
from __future__ import annotations

from math import comb

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_averages
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_weighted_window(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_averages.weighted_window(a0, a1)[-1]


@numba.njit(cache=True)
def _last_weighted_window_src(c, code, warm, a0):
    # _last_weighted_window on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_weighted_window(w[:, code], a0)
    return _last_weighted_window(_kernels.derived_source(w, code), a0)


def pwma(candles: np.ndarray, period: int = 5, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Window weighted by row ``period-1`` of Pascal's triangle (normalised); NaN before the first window.

    Example:
        >>> import numpy as np
        >>> pwma(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
        np.float64(3.0)
    """
    period = check_period(period)
    row = np.array([comb(period - 1, i) for i in range(period)], dtype=np.float64)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_weighted_window_src(candles, code, _warmup_now(), row / row.sum()))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_weighted_window(source, row / row.sum()))
    return _kernels_averages.weighted_window(source, row / row.sum())
