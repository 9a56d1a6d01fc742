"""CG - Ehlers center of gravity oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core, _kernels

from jesse_dag.indicators._core import check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _cg(x, period):
    n = x.shape[0]
    out = np.empty(n)
    if period < 2 or n <= period:
        out[:] = np.nan
        return out
    # Jesse's window holds period-1 bars ending at i, weights 1 (newest) .. period-1; first value at period+1.
    # Each window's two sums run oldest first from 0.0 (the same bits as one window at a time), all the windows
    # of a block of rows at a time over a small copy of the block's rows: one pass over the source (read with
    # scalar loads, not LLVM's gathers of a strided column) and the output written once.
    start = period + 1
    out[:start] = np.nan
    m = period - 1
    w = np.empty(m)
    for j in range(m):
        w[j] = float(m - j)  # 1.0 + i - k for the window's j-th oldest row k
    block = 256  # windows per block: the buffers stay in L1
    xb = np.empty(block + m - 1)
    num = np.empty(block)
    den = np.empty(block)
    i0 = start
    while i0 < n:
        k = min(block, n - i0)
        b = i0 - m + 1
        for j in range(k + m - 1):
            xb[j] = x[_kernels.scalar_row(b + j)]
        num[:k] = 0.0
        den[:k] = 0.0
        for t in range(m):
            wt = w[t]
            xs = xb[t:t + k]
            for q in range(k):
                v = xs[q]
                num[q] += v * wt
                den[q] += v * 1.0
        o = out[i0:i0 + k]
        for q in range(k):
            o[q] = -num[q] / den[q] if den[q] != 0.0 else 0.0
        i0 += k
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
        np.float64(-5.0)
    """
    period = check_period(period)
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        return _f64(_last_cg_window(source, period))
    return _cg(source, period)
