"""ER - Kaufman efficiency ratio (Jesse's variant)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core
from jesse_dag.indicators._core import check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def _er(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    # Jesse divides by the sum over ALL rolling windows of |diff| (one scalar for the whole series)
    # and takes the period-th order difference as the "change"; reproduced as is.
    m = n - 1
    vol = 0.0
    if m >= period:
        for j in range(m):
            cnt = min(j, m - period) - max(0, j - period + 1) + 1
            if cnt > 0:
                vol += abs(x[j + 1] - x[j]) * cnt
    d = x.copy()
    for _ in range(period):
        for i in range(d.shape[0] - 1):
            d[i] = d[i + 1] - d[i]
        d = d[:-1]
    for i in range(d.shape[0]):
        out[n - d.shape[0] + i] = abs(d[i]) / vol if m >= period else np.nan
    return out


@numba.njit(cache=True)
def _last_er(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _er(a0, a1)[-1]


def er(candles: np.ndarray, period: int = 5, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Efficiency ratio exactly as Jesse 3.5.3 computes it (see the kernel comment).

    Example:
        >>> import numpy as np
        >>> er(np.arange(1.0, 30.0)) >= 0
        np.True_
    """
    period = check_period(period)
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        return _f64(_last_er(source, period))
    return _er(source, period)
