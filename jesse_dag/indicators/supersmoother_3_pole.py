"""Ehlers' 3-pole Super Smoother (Jesse ``ta.supersmoother_3_pole``); rows 0-2 copy the input."""
from __future__ import annotations

import math

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _supersmoother_3_pole(source, period):
    n = source.shape[0]
    out = source.copy()
    a = math.exp(-math.pi / period)
    b = 2.0 * a * math.cos(1.738 * math.pi / period)
    c = a * a
    for i in range(3, n):
        out[i] = ((1.0 - c * c - b + b * c) * source[i] + (b + c) * out[i - 1]
                  + (-c - b * c) * out[i - 2] + c * c * out[i - 3])
    return out


@numba.njit(cache=True)
def _last_supersmoother_3_pole(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _supersmoother_3_pole(a0, a1)[-1]


@numba.njit(cache=True)
def _last_supersmoother_3_pole_src(c, code, warm, a0):
    # _last_supersmoother_3_pole on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_supersmoother_3_pole(w[:, code], a0)
    return _last_supersmoother_3_pole(_kernels.derived_source(w, code), a0)


def supersmoother_3_pole(candles: np.ndarray, period: int = 14, source_type: str = "close",
                         sequential: bool = False) -> float | np.ndarray:
    """3-pole Butterworth super smoother.

    Example:
        >>> import numpy as np
        >>> round(supersmoother_3_pole(np.full(80, 2.0), period=10), 9)
        np.float64(2.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_supersmoother_3_pole_src(candles, code, _warmup_now(), float(period)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_supersmoother_3_pole(source, float(period)))
    res = _supersmoother_3_pole(source, float(period))
    return res
