"""BOP - balance of power: (close - open) / (high - low)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _bop(open_, high, low, close):
    # one pass over the rows (numpy's version makes four temporaries); same formula per row
    n = open_.shape[0]
    out = np.empty(n)
    for i in range(n):
        rng = high[i] - low[i]
        out[i] = (close[i] - open_[i]) / rng if rng != 0 else 0.0
    return out


def bop(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Balance of power; 0 on a bar whose high equals its low.

    Example:
        >>> import numpy as np
        >>> bop(np.array([[0, 1.0, 2.0, 3.0, 0.0, 10.0]]))
        np.float64(0.3333333333333333)
    """
    c = ohlcv(candles, sequential, "bop")
    if not sequential:  # the same elementwise formula on the last row only
        rng = c[-1, HIGH] - c[-1, LOW]
        return _f64((c[-1, CLOSE] - c[-1, OPEN]) / rng) if rng != 0 else _f64(0.0)
    return _bop(c[:, OPEN], c[:, HIGH], c[:, LOW], c[:, CLOSE])
