"""CG - Ehlers center of gravity oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels

from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import check_period, slice_candles


@numba.njit(cache=True)
def _cg(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if period < 2 or n <= period:
        return out
    # Jesse's window holds period-1 bars ending at i, weights 1 (newest) .. period-1; first value at period+1.
    # Each window's sums run oldest first, several windows at a time (the same bits as one by one).
    m = period - 1
    w = np.empty(m)
    for j in range(m):
        w[j] = float(m - j)  # 1.0 + i - k for the window's j-th oldest row k
    xc = np.ascontiguousarray(x)  # one pass over a strided column
    num = np.empty(n)
    den = np.empty(n)
    _kernels.dot_windows_oldest_first(xc, w, period + 1, n, num, _kernels.BLOCK)
    _kernels.dot_windows_oldest_first(xc, np.ones(m), period + 1, n, den, _kernels.BLOCK)
    # (slices indexed from 0: LLVM vectorizes this loop, it does not when the loop starts at period + 1)
    nu = num[period + 1:]
    de = den[period + 1:]
    o = out[period + 1:]
    for i in range(n - period - 1):
        o[i] = -nu[i] / de[i] if de[i] != 0.0 else 0.0
    return out


@numba.njit(cache=True)
def _last_cg_window(x, period):
    # _cg(x, period)[-1] from the last window alone (each row depends on its own window only)
    n = x.shape[0]
    if period < 2 or n <= period + 1:
        return np.nan
    i = n - 1
    num = 0.0
    den = 0.0
    for k in range(i - period + 2, i + 1):
        num += (1.0 + i - k) * x[k]
        den += x[k]
    return -num / den if den != 0.0 else 0.0


def cg(candles: np.ndarray, period: int = 10, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Center of gravity.

    Example:
        >>> import numpy as np
        >>> cg(np.ones(30))
        -5.0
    """
    period = check_period(period)
    candles = slice_candles(candles, sequential)
    source = fp.source(candles, source_type)
    if not sequential:
        return float(_last_cg_window(source, period))
    return _cg(source, period)
