"""WILDERS: Wilder's smoothing (Jesse ``ta.wilders``): ``y0 = x0``, ``y = x/p + (1 - 1/p)·y[-1]``."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels import ema_alpha

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_ema_alpha(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return ema_alpha(a0, a1)[-1]


@numba.njit(cache=True)
def _last_ema_alpha_src(c, code, warm, a0):
    # _last_ema_alpha on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_ema_alpha(w[:, code], a0)
    return _last_ema_alpha(_kernels.derived_source(w, code), a0)


def wilders(candles: np.ndarray, period: int = 5, source_type: str = "close",
            sequential: bool = False) -> float | np.ndarray:
    """Wilder's smoothing seeded with the first value (no NaN warm-up).

    Example:
        >>> import numpy as np
        >>> wilders(np.array([3.0, 6.0]), period=3)
        np.float64(4.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_ema_alpha_src(candles, code, _warmup_now(), 1.0 / period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_ema_alpha(source, 1.0 / period))
    res = ema_alpha(source, 1.0 / period)
    return res
