"""TSI: True Strength Index (Jesse ``ta.tsi``): double-smoothed momentum over double-smoothed |momentum|.

Momentum is 0 at row 0; EMAs are seeded with their first input; non-finite ratios become 0.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels import ema_alpha

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _tsi(source, long_period, short_period):
    n = source.shape[0]
    mom = np.zeros(n)
    for i in range(1, n):
        mom[i] = source[i] - source[i - 1]
    a_long = 2.0 / (long_period + 1.0)
    a_short = 2.0 / (short_period + 1.0)
    num = ema_alpha(ema_alpha(mom, a_long), a_short)
    den = ema_alpha(ema_alpha(np.abs(mom), a_long), a_short)
    out = np.zeros(n)
    for i in range(n):
        r = 100.0 * num[i] / den[i] if den[i] != 0.0 else np.nan
        out[i] = r if np.isfinite(r) else 0.0
    return out


@numba.njit(cache=True)
def _last_tsi(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _tsi(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_tsi_src(c, code, warm, a0, a1):
    # _last_tsi on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_tsi(w[:, code], a0, a1)
    return _last_tsi(_kernels.derived_source(w, code), a0, a1)


def tsi(candles: np.ndarray, long_period: int = 25, short_period: int = 13, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """True Strength Index, -100..100.

    Example:
        >>> import numpy as np
        >>> tsi(np.arange(1.0, 10.0))
        np.float64(100.0)
    """
    long_period = check_period(long_period, "long_period")
    short_period = check_period(short_period, "short_period")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_tsi_src(candles, code, _warmup_now(), long_period, short_period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_tsi(source, long_period, short_period))
    res = _tsi(source, long_period, short_period)
    return res
