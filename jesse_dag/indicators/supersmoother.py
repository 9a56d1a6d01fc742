"""Ehlers' 2-pole Super Smoother (Jesse ``ta.supersmoother``); rows 0 and 1 copy the input."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels_filters import supersmoother_2pole

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_supersmoother_2pole(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return supersmoother_2pole(a0, a1)[-1]


@numba.njit(cache=True)
def _last_supersmoother_2pole_src(c, code, warm, a0):
    # _last_supersmoother_2pole on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_supersmoother_2pole(w[:, code], a0)
    return _last_supersmoother_2pole(_kernels.derived_source(w, code), a0)


def supersmoother(candles: np.ndarray, period: int = 14, source_type: str = "close",
                  sequential: bool = False) -> float | np.ndarray:
    """2-pole Butterworth super smoother.

    Example:
        >>> import numpy as np
        >>> round(supersmoother(np.full(50, 2.0), period=10), 9)
        np.float64(2.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_supersmoother_2pole_src(candles, code, _warmup_now(), float(period)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_supersmoother_2pole(source, float(period)))
    res = supersmoother_2pole(source, float(period))
    return res
