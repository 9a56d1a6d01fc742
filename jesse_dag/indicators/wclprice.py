"""WCLPRICE: weighted close price ``(high + low + 2·close) / 4`` (Jesse ``ta.wclprice``)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _wclprice(close, high, low):
    return (high + low + 2.0 * close) / 4.0


@numba.njit(cache=True)
def _last_wclprice(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _wclprice(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_wclprice_rows(c, warm):
    # _last_wclprice on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_wclprice(w[:, CLOSE], w[:, HIGH], w[:, LOW])


def wclprice(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Weighted close price of each candle.

    Example:
        >>> import numpy as np
        >>> wclprice(np.array([[0, 1, 2.0, 4.0, 0.0, 1]]))
        np.float64(2.0)
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_wclprice_rows(candles, _warmup_now()))
    c = ohlcv(candles, sequential, "wclprice")
    if not sequential:
        return _f64(_last_wclprice(c[:, CLOSE], c[:, HIGH], c[:, LOW]))
    res = _wclprice(c[:, CLOSE], c[:, HIGH], c[:, LOW])
    return res
