"""ROCR100: rate-of-change ratio on a 100 scale, ``price / price[-period] * 100`` (Jesse ``ta.rocr100``)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def _rocr100(source, period):
    n = source.shape[0]
    out = np.full(n, np.nan)
    for i in range(period, n):
        out[i] = source[i] / source[i - period] * 100.0
    return out


@numba.njit(cache=True)
def _last_rocr100(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _rocr100(a0, a1)[-1]


@numba.njit(cache=True)
def _last_rocr100_src(c, code, warm, a0):
    # _last_rocr100 on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_rocr100(w[:, code], a0)
    return _last_rocr100(_kernels.derived_source(w, code), a0)


def rocr100(candles: np.ndarray, period: int = 10, source_type: str = "close",
            sequential: bool = False) -> float | np.ndarray:
    """Rate of change ratio × 100; the first ``period`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> rocr100(np.array([1.0, 2.0, 4.0]), period=1, sequential=True).tolist()
        [nan, 200.0, 200.0]
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_rocr100_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_rocr100(source, period))
    res = _rocr100(source, period)
    return res
