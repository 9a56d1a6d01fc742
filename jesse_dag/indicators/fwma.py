"""FWMA - Fibonacci weighted moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _fwma(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    w = np.empty(period)
    a, b = 1.0, 1.0
    for k in range(period):
        w[k] = a
        a, b = b, a + b
    w /= w.sum()
    ws = w.sum()
    for i in range(period - 1, n):
        s = 0.0
        for k in range(period):
            s += x[i - period + 1 + k] * w[k]
        out[i] = s / ws
    return out


@numba.njit(cache=True)
def _last_fwma(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _fwma(a0, a1)[-1]


@numba.njit(cache=True)
def _last_fwma_src(c, code, warm, a0):
    # _last_fwma on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_fwma(w[:, code], a0)
    return _last_fwma(_kernels.derived_source(w, code), a0)


def fwma(candles: np.ndarray, period: int = 5, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Weights 1, 1, 2, 3, 5, ... with the largest on the newest bar.

    Example:
        >>> import numpy as np
        >>> fwma(np.ones(10))
        np.float64(1.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_fwma_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_fwma(source, period))
    return _fwma(source, period)
