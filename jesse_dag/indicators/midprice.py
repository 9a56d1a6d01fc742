"""Midpoint price over a period."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels, _kernels_rolling
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_rolling_mid(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    # each row depends on its own window only, so the last value comes from the last window's rows alone
    t = max(0, a0.shape[0] - a2)
    return _kernels_rolling.rolling_mid(a0[t:], a1[t:], a2)[-1]


@numba.njit(cache=True)
def _last_rolling_mid_rows(c, warm, a0):
    # _last_rolling_mid on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_rolling_mid(w[:, HIGH], w[:, LOW], a0)


def midprice(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """``(highest high + lowest low) / 2`` over each ``period`` window; NaN before the first window.

    Example:
        >>> import numpy as np
        >>> midprice(np.array([[0, 1, 2, 4.0, 1.0, 3.0], [0, 1, 2, 6.0, 2.0, 3.0]]), 2)
        np.float64(3.5)
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_rolling_mid_rows(candles, _warmup_now(), period))
    c = ohlcv(candles, sequential, "midprice")
    if not sequential:
        return _f64(_last_rolling_mid(c[:, HIGH], c[:, LOW], period))
    return _kernels_rolling.rolling_mid(c[:, HIGH], c[:, LOW], period)
