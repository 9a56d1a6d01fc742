"""TYPPRICE: typical price ``(high + low + close) / 3`` (Jesse ``ta.typprice``)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _typprice(close, high, low):
    return (close + high + low) / 3.0


@numba.njit(cache=True)
def _last_typprice(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _typprice(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_typprice_rows(c, warm):
    # _last_typprice on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_typprice(w[:, CLOSE], w[:, HIGH], w[:, LOW])


def typprice(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Typical price of each candle.

    Example:
        >>> import numpy as np
        >>> typprice(np.array([[0, 1, 2.0, 4.0, 0.0, 1]]))
        np.float64(2.0)
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_typprice_rows(candles, _warmup_now()))
    c = ohlcv(candles, sequential, "typprice")
    if not sequential:
        return _f64(_last_typprice(c[:, CLOSE], c[:, HIGH], c[:, LOW]))
    res = _typprice(c[:, CLOSE], c[:, HIGH], c[:, LOW])
    return res
