"""Jurik moving average (the TradingView port Jesse uses)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_averages
from jesse_dag.indicators._core import check_number, check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_jma(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_averages.jma_last(a0, a1, a2, a3)


@numba.njit(cache=True)
def _last_jma_src(c, code, warm, phase_ratio, beta, alpha):
    # _last_jma on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _kernels_averages.jma_last(w[:, code], phase_ratio, beta, alpha)
    return _kernels_averages.jma_last(_kernels.derived_source(w, code), phase_ratio, beta, alpha)


def jma(candles: np.ndarray, period: int = 7, phase: float = 50, power: int = 2, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Jurik-style average; ``phase`` in [-100, 100] sets the overshoot, ``power`` the smoothing.

    Example:
        >>> import numpy as np
        >>> round(jma(np.full(50, 2.0)), 9)
        np.float64(2.0)
    """
    period = check_period(period)
    phase = check_number(phase, "jma: phase")
    power = check_number(power, "jma: power")
    phase_ratio = 0.5 if phase < -100 else (2.5 if phase > 100 else phase / 100 + 1.5)
    beta = 0.45 * (period - 1) / (0.45 * (period - 1) + 2)
    alpha = beta ** power
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_jma_src(candles, code, _warmup_now(), phase_ratio, beta, alpha))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_jma(source, phase_ratio, beta, alpha))
    return _kernels_averages.jma(source, phase_ratio, beta, alpha)
