"""McGinley dynamic."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_averages
from jesse_dag.indicators._core import check_number, check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_mcginley(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_averages.mcginley(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_mcginley_src(c, code, warm, a0, a1):
    # _last_mcginley on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_mcginley(w[:, code], a0, a1)
    return _last_mcginley(_kernels.derived_source(w, code), a0, a1)


def mcginley_dynamic(candles: np.ndarray, period: int = 10, k: float = 0.6, source_type: str = "close",
                     sequential: bool = False) -> float | np.ndarray:
    """``mg += (x - mg) / max(k * period * (x / mg)^4, 1)`` from ``mg[0] = x[0]``.

    Example:
        >>> import numpy as np
        >>> round(mcginley_dynamic(np.full(30, 4.0)), 9)
        np.float64(4.0)
    """
    period = check_period(period)
    k = check_number(k, "mcginley_dynamic: k")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_mcginley_src(candles, code, _warmup_now(), period, k))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_mcginley(source, period, k))
    return _kernels_averages.mcginley(source, period, k)
