"""TrendFlex by John F. Ehlers (Jesse ``ta.trendflex``); rows before ``period`` are 0."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels_filters import supersmoother_2pole

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _trendflex(source, period):
    ssf = supersmoother_2pole(source, period / 2.0)
    n = ssf.shape[0]
    out = np.zeros(n)
    # each row's sum of its ``period`` differences keeps its order (the same bits as one row at a time), but
    # the rows of a block are summed together (LLVM vectorizes the loop over the rows); the mean-square
    # recurrence then runs over the block's sums
    block = 256
    sums = np.empty(block)
    ms = 0.0
    i0 = period
    while i0 < n:
        k = min(block, n - i0)
        cur = ssf[i0:i0 + k]
        sums[:k] = 0.0
        for t in range(1, period + 1):
            past = ssf[i0 - t:i0 - t + k]
            for q in range(k):
                sums[q] += cur[q] - past[q]
        o = out[i0:i0 + k]
        for q in range(k):
            s = sums[q] / period
            ms = 0.04 * s * s + 0.96 * ms
            if ms != 0.0:
                o[q] = s / np.sqrt(ms)
        i0 += k
    return out


def trendflex(candles: np.ndarray, period: int = 20, source_type: str = "close",
              sequential: bool = False) -> float | None | np.ndarray:
    """TrendFlex; non-sequential returns ``None`` for a NaN last value, like Jesse.

    Example:
        >>> import numpy as np
        >>> trendflex(np.full(50, 2.0), period=10)
        np.float64(0.0)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    res = _trendflex(source, period)
    if sequential:
        return res
    return None if np.isnan(res[-1]) else _f64(res[-1])
