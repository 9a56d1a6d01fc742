"""Market facilitation index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW, VOLUME
from jesse_dag.indicators._core import ohlcv
from jesse_dag.indicators._kernels import scalar_row

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


# one pass over the rows with scalar loads (scalar_row), instead of numpy's strided subtract then divide with a
# temporary array; the same two operations per row, so the same bits
@numba.njit(cache=True, error_model="numpy")
def _marketfi(c):
    n = c.shape[0]
    out = np.empty(n)
    for i in range(n):
        r = scalar_row(np.uint64(i))
        out[i] = (c[r, HIGH] - c[r, LOW]) / c[r, VOLUME]
    return out


# error_model="numpy": a zero volume gives inf or NaN as numpy does, not an exception
@numba.njit(cache=True, error_model="numpy")
def _last_marketfi(c):
    i = c.shape[0] - 1
    return (c[i, HIGH] - c[i, LOW]) / c[i, VOLUME]


def marketfi(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """``(high - low) / volume`` (inf or NaN where the volume is 0, as in Jesse).

    Example:
        >>> import numpy as np
        >>> marketfi(np.array([[0, 1, 2, 4.0, 1.0, 3.0]]))
        np.float64(1.0)
    """
    c = ohlcv(candles, sequential, "marketfi")
    if not sequential:
        return _f64(_last_marketfi(c))
    return _marketfi(c)
