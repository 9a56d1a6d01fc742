"""TEMA: triple exponential moving average ``3·e1 - 3·e2 + e3`` (Jesse ``ta.tema``), seeded with x0."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _tema(source, period):
    n = source.shape[0]
    out = np.empty(n)  # (every row is written)
    if n == 0:
        return out
    alpha = 2.0 / (period + 1.0)
    e1 = source[0]
    e2 = e1
    e3 = e2
    out[0] = 3.0 * e1 - 3.0 * e2 + e3
    for i in range(1, n):
        e1 = alpha * source[i] + (1.0 - alpha) * e1
        e2 = alpha * e1 + (1.0 - alpha) * e2
        e3 = alpha * e2 + (1.0 - alpha) * e3
        out[i] = 3.0 * e1 - 3.0 * e2 + e3
    return out


@numba.njit(cache=True)
def _last_tema(a0, a1):
    # _tema(a0, a1)[-1] with no array: the same recurrence, so the same bits
    n = a0.shape[0]
    if n == 0:
        return np.nan
    alpha = 2.0 / (a1 + 1.0)
    e1 = a0[0]
    e2 = e1
    e3 = e2
    for i in range(1, n):
        e1 = alpha * a0[i] + (1.0 - alpha) * e1
        e2 = alpha * e1 + (1.0 - alpha) * e2
        e3 = alpha * e2 + (1.0 - alpha) * e3
    return 3.0 * e1 - 3.0 * e2 + e3


@numba.njit(cache=True)
def _last_tema_src(c, code, warm, a0):
    # _last_tema on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_tema(w[:, code], a0)
    return _last_tema(_kernels.derived_source(w, code), a0)


def tema(candles: np.ndarray, period: int = 9, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Triple EMA with no NaN warm-up.

    Example:
        >>> import numpy as np
        >>> tema(np.array([2.0, 2.0, 2.0]), period=3)
        np.float64(2.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_tema_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_tema(source, period))
    res = _tema(source, period)
    return res
