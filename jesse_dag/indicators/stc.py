"""STC: Schaff Trend Cycle (Jesse ``ta.stc``).

MACD of two first-value-seeded EMAs, a stochastic of it (0 when flat, NaN warm-up read as 0), EMA,
a second stochastic, a final EMA, clipped to 0..100.
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
def _stoch_or_zero(series, period):
    # window stochastic; rows before a full window and flat windows give 0
    n = series.shape[0]
    out = np.zeros(n)
    for i in range(period - 1, n):
        lo = series[i - period + 1]
        hi = lo
        for k in range(i - period + 2, i + 1):
            v = series[k]
            if v < lo:
                lo = v
            if v > hi:
                hi = v
        if np.isnan(lo) or np.isnan(hi):
            out[i] = 0.0
        elif hi == lo:
            out[i] = 0.0
        else:
            v = 100.0 * ((series[i] - lo) / (hi - lo))
            out[i] = 0.0 if np.isnan(v) else v
    return out


@numba.njit(cache=True)
def _stc(source, fast, slow, k_period, d1, d2):
    macd = ema_alpha(source, 2.0 / (fast + 1.0)) - ema_alpha(source, 2.0 / (slow + 1.0))
    k = _stoch_or_zero(macd, k_period)
    d = ema_alpha(k, 2.0 / (d1 + 1.0))
    kd = _stoch_or_zero(d, k_period)
    out = ema_alpha(kd, 2.0 / (d2 + 1.0))
    for i in range(out.shape[0]):
        out[i] = min(max(out[i], 0.0), 100.0)
    return out


@numba.njit(cache=True)
def _last_stc(a0, a1, a2, a3, a4, a5):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _stc(a0, a1, a2, a3, a4, a5)[-1]


@numba.njit(cache=True)
def _last_stc_src(c, code, warm, a0, a1, a2, a3, a4):
    # _last_stc on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_stc(w[:, code], a0, a1, a2, a3, a4)
    return _last_stc(_kernels.derived_source(w, code), a0, a1, a2, a3, a4)


def stc(candles: np.ndarray, fast_period: int = 23, slow_period: int = 50, k_period: int = 10,
        d1_period: int = 3, d2_period: int = 3, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Schaff Trend Cycle, 0..100.

    Example:
        >>> import numpy as np
        >>> stc(np.full(30, 2.0))
        np.float64(0.0)
    """
    fast_period = check_period(fast_period, "fast_period")
    slow_period = check_period(slow_period, "slow_period")
    k_period = check_period(k_period, "k_period")
    d1_period = check_period(d1_period, "d1_period")
    d2_period = check_period(d2_period, "d2_period")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_stc_src(candles, code, _warmup_now(),
                                       fast_period, slow_period, k_period, d1_period, d2_period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_stc(source, fast_period, slow_period, k_period, d1_period, d2_period))
    res = _stc(source, fast_period, slow_period, k_period, d1_period, d2_period)
    return res
