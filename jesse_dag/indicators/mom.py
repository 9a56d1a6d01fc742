"""Momentum."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _mom(x, period):
    n = x.shape[0]
    out = np.empty(n)
    out[:min(period, n)] = np.nan
    for i in range(period, n):
        out[i] = x[i] - x[i - period]
    return out


@numba.njit(cache=True)
def _last_mom(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _mom(a0, a1)[-1]


@numba.njit(cache=True)
def _last_mom_src(c, code, warm, a0):
    # _last_mom on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_mom(w[:, code], a0)
    return _last_mom(_kernels.derived_source(w, code), a0)


def mom(candles: np.ndarray, period: int = 10, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """``x - x[-period]``; NaN for the first ``period`` rows.

    Example:
        >>> import numpy as np
        >>> mom(np.arange(0.0, 20.0), 4)
        np.float64(4.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_mom_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_mom(source, period))
    return _mom(source, period)
