"""Polarized fractal efficiency."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_fractal
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_polarized_fractal_efficiency(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_fractal.polarized_fractal_efficiency(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_polarized_fractal_efficiency_src(c, code, warm, a0, a1):
    # _last_polarized_fractal_efficiency on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_polarized_fractal_efficiency(w[:, code], a0, a1)
    return _last_polarized_fractal_efficiency(_kernels.derived_source(w, code), a0, a1)


def pfe(candles: np.ndarray, period: int = 10, smoothing: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Signed ratio of the straight distance to the path length over ``period``, EMA-smoothed.

    Like Jesse, the straight distance uses the ``(period-1)``-th order difference of the source.

    Example:
        >>> import numpy as np
        >>> isinstance(pfe(np.linspace(100.0, 120.0, 60)), float)
        True
    """
    period = check_period(period)
    if period < 2:
        raise ValueError(f"pfe: period must be >= 2, got {period}")
    smoothing = check_period(smoothing, "pfe: smoothing")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_polarized_fractal_efficiency_src(candles, code, _warmup_now(),
                                                                   period, smoothing))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_polarized_fractal_efficiency(source, period, smoothing))
    return _kernels_fractal.polarized_fractal_efficiency(source, period, smoothing)
