"""Mean absolute deviation."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_rolling
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_mean_abs_dev(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_rolling.mean_abs_dev(a0, a1)[-1]


@numba.njit(cache=True)
def _last_mean_abs_dev_src(c, code, warm, a0):
    # _last_mean_abs_dev on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_mean_abs_dev(w[:, code], a0)
    return _last_mean_abs_dev(_kernels.derived_source(w, code), a0)


def mean_ad(candles: np.ndarray, period: int = 5, source_type: str = "hl2",
            sequential: bool = False) -> float | np.ndarray:
    """Jesse's mean absolute deviation: rolling mean of ``|x - rolling mean(x)|`` (partial at the start).

    Example:
        >>> import numpy as np
        >>> mean_ad(np.array([1.0, 1.0, 1.0, 1.0, 1.0, 6.0]))
        np.float64(2.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_mean_abs_dev_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_mean_abs_dev(source, period))
    return _kernels_rolling.mean_abs_dev(source, period)
