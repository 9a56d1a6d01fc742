"""CC - Coppock curve: WMA of the sum of two rates of change."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def roc_kernel(x, period):
    """Percent rate of change over ``period`` bars (NaN warm-up)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(period, n):
        out[i] = (x[i] / x[i - period] - 1.0) * 100.0
    return out


@numba.njit(cache=True)
def _cc(x, wma_period, short, long):
    return _kernels.wma(roc_kernel(x, long) + roc_kernel(x, short), wma_period)


@numba.njit(cache=True)
def _last_cc(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _cc(a0, a1, a2, a3)[-1]


def cc(candles: np.ndarray, wma_period: int = 10, roc_short_period: int = 11, roc_long_period: int = 14,
       source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Coppock curve.

    Example:
        >>> import numpy as np
        >>> cc(np.linspace(100.0, 200.0, 60)) > 0
        np.True_
    """
    wma_period = check_period(wma_period, "wma_period")
    short = check_period(roc_short_period, "roc_short_period")
    long = check_period(roc_long_period, "roc_long_period")
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        return _f64(_last_cc(source, wma_period, short, long))
    return _cc(source, wma_period, short, long)
