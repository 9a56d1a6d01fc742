"""ZLEMA: zero-lag EMA (Jesse ``ta.zlema``) of ``2·x - x[-lag]`` with ``lag = (period - 1) // 2``.

Rows before ``lag`` are NaN, and everything is NaN when ``n <= period``.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _zlema_into(source, period, out):
    # rows lag.. into ``out`` (every row, or with a 1-row ``out`` only the last one kept: the same
    # operations either way); the previous value carried in a register, not read back from ``out``
    n = source.shape[0]
    keep_all = out.shape[0] == n
    lag = (period - 1) // 2
    alpha = 2.0 / (period + 1.0)
    y = source[lag] + (source[lag] - source[0])
    if keep_all:
        out[lag] = y
    for i in range(lag + 1, n):
        data = source[i] + (source[i] - source[i - lag])
        y = alpha * data + (1.0 - alpha) * y
        if keep_all:
            out[i] = y
    if not keep_all:
        out[0] = y


@numba.njit(cache=True)
def _zlema(source, period):
    n = source.shape[0]
    out = np.full(n, np.nan)
    if n > period:
        _zlema_into(source, period, out)
    return out


@numba.njit(cache=True)
def _last_zlema(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    if a0.shape[0] <= a1:
        return np.nan
    out = np.empty(1)
    _zlema_into(a0, a1, out)
    return out[0]


@numba.njit(cache=True)
def _last_zlema_src(c, code, warm, a0):
    # _last_zlema on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_zlema(w[:, code], a0)
    return _last_zlema(_kernels.derived_source(w, code), a0)


def zlema(candles: np.ndarray, period: int = 20, source_type: str = "close",
          sequential: bool = False) -> float | np.ndarray:
    """Zero-lag exponential moving average.

    Example:
        >>> import numpy as np
        >>> zlema(np.full(10, 2.0), period=3)
        np.float64(2.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_zlema_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_zlema(source, period))
    res = _zlema(source, period)
    return res
