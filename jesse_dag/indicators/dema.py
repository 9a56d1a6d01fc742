"""DEMA - double exponential moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _dema(x, period):
    # ema_alpha(x), ema_alpha of that, and 2*e1 - e2 fused into one pass (same operations per row)
    a = 2.0 / (period + 1.0)
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    e1 = x[0]
    e2 = e1
    out[0] = 2.0 * e1 - e2
    for i in range(1, n):
        e1 = a * x[i] + (1.0 - a) * e1
        e2 = a * e1 + (1.0 - a) * e2
        out[i] = 2.0 * e1 - e2
    return out


@numba.njit(cache=True)
def _last_dema(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _dema(a0, a1)[-1]


@numba.njit(cache=True)
def _last_dema_src(c, code, warm, a0):
    # _last_dema on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_dema(w[:, code], a0)
    return _last_dema(_kernels.derived_source(w, code), a0)


def dema(candles: np.ndarray, period: int = 30, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """``2*EMA - EMA(EMA)`` with first-value seeds, no warm-up.

    Example:
        >>> import numpy as np
        >>> dema(np.full(10, 3.0))
        np.float64(3.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_dema_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_dema(source, period))
    return _dema(source, period)
