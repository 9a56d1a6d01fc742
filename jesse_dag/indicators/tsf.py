"""TSF: time series forecast (Jesse ``ta.tsf``): the window's least-squares line extended one step."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _tsf(source, period):
    n = source.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    x_mean = (period - 1) / 2.0
    denom = 0.0
    for k in range(period):
        denom += (k - x_mean) ** 2
    for i in range(period - 1, n):
        y_mean = 0.0
        for k in range(period):
            y_mean += source[i - period + 1 + k]
        y_mean /= period
        num = 0.0
        for k in range(period):
            num += (source[i - period + 1 + k] - y_mean) * (k - x_mean)
        slope = num / denom
        out[i] = (y_mean - slope * x_mean) + slope * period
    return out


@numba.njit(cache=True)
def _last_tsf(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _tsf(a0, a1)[-1]


@numba.njit(cache=True)
def _last_tsf_src(c, code, warm, a0):
    # _last_tsf on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_tsf(w[:, code], a0)
    return _last_tsf(_kernels.derived_source(w, code), a0)


def tsf(candles: np.ndarray, period: int = 14, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Linear-regression forecast for the next bar; the first ``period - 1`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> tsf(np.array([1.0, 2.0, 3.0]), period=3)
        np.float64(4.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_tsf_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_tsf(source, period))
    res = _tsf(source, period)
    return res
