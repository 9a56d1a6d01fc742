"""WMA: linearly weighted moving average (Jesse ``ta.wma``), weights 1..period, newest heaviest."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels import wma as _wma

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_wma(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels.wma_last(a0, a1)


@numba.njit(cache=True)
def _last_wma_src(c, code, warm, a0):
    # _last_wma on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_wma(w[:, code], a0)
    return _last_wma(_kernels.derived_source(w, code), a0)


def wma(candles: np.ndarray, period: int = 30, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Weighted moving average; the first ``period - 1`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> wma(np.array([1.0, 2.0, 3.0]), period=2)
        np.float64(2.6666666666666665)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_wma_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_wma(source, period))
    res = _wma(source, period)
    return res
