"""TRANGE: true range (Jesse ``ta.trange``): ``H0 - L0`` first, then ``max(H-L, |H-C[-1]|, |L-C[-1]|)``."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import ohlcv
from jesse_dag.indicators._kernels import true_range

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_true_range(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return true_range(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_true_range_rows(c, warm):
    # _last_true_range on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_true_range(w[:, HIGH], w[:, LOW], w[:, CLOSE])


def trange(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """True range of each candle.

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1, 2.0, 3.0, 1.0, 1], [1, 2, 5.0, 6.0, 4.0, 1]])
        >>> trange(c, sequential=True).tolist()
        [2.0, 4.0]
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_true_range_rows(candles, _warmup_now()))
    c = ohlcv(candles, sequential, "trange")
    if not sequential:
        return _f64(_last_true_range(c[:, HIGH], c[:, LOW], c[:, CLOSE]))
    res = true_range(c[:, HIGH], c[:, LOW], c[:, CLOSE])
    return res
