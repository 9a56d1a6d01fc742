"""RMA - the moving average used in the RSI (alpha = 1/length)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_averages
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_rma(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_averages.rma(a0, a1)[-1]


@numba.njit(cache=True)
def _last_rma_src(c, code, warm, a0):
    # _last_rma on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_rma(w[:, code], a0)
    return _last_rma(_kernels.derived_source(w, code), a0)


def rma(candles: np.ndarray, length: int = 14, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Exponential average with alpha ``1/length`` on every row (no NaN warm-up).

    Jesse's first value blends the first source value with the *last* one (its index -1 wraps around);
    reproduced for parity, so early values depend on the end of the input.

    Example:
        >>> import numpy as np
        >>> round(rma(np.full(30, 2.0)), 9)
        np.float64(2.0)
    """
    length = check_period(length, "rma: length")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_rma_src(candles, code, _warmup_now(), length))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_rma(source, length))
    return _kernels_averages.rma(source, length)
