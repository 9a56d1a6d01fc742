"""WILLR: Williams' %R (Jesse ``ta.willr``); 0 when the window's high equals its low."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv
from jesse_dag.indicators._kernels import rolling_max, rolling_min

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _willr(high, low, close, period):
    n = high.shape[0]
    hh = rolling_max(high, period)
    # %R written over the lowest lows, each read just before (their NaN warm-up rows are %R's): one array
    # fewer to allocate and fill
    out = rolling_min(low, period)
    for i in range(period - 1, n):
        h = hh[i]
        denom = h - out[i]
        out[i] = 0.0 if denom == 0.0 else (h - close[i]) / denom * -100.0
    return out


@numba.njit(cache=True)
def _last_willr(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    # each row depends on its own window only, so the last value comes from the last window's rows alone
    t = max(0, a0.shape[0] - a3)
    return _willr(a0[t:], a1[t:], a2[t:], a3)[-1]


@numba.njit(cache=True)
def _last_willr_rows(c, warm, a0):
    # _last_willr on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane); _willr
    # called directly: one level of calls fewer for numba to compile and link
    n = c.shape[0]
    t = max(_kernels.window_start(n, warm), n - a0)
    return _willr(c[t:, HIGH], c[t:, LOW], c[t:, CLOSE], a0)[-1]


def willr(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """Williams %R in -100..0; the first ``period - 1`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1, 1.5, 2.0, 1.0, 1]])
        >>> willr(c, period=1)
        np.float64(-50.0)
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_willr_rows(candles, _warmup_now(), period))
    c = ohlcv(candles, sequential, "willr")
    if not sequential:
        return _f64(_last_willr(c[:, HIGH], c[:, LOW], c[:, CLOSE], period))
    res = _willr(c[:, HIGH], c[:, LOW], c[:, CLOSE], period)
    return res
