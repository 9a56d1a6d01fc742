"""AROON - bars since the highest high / lowest low, as a percentage of the period."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

AROON = namedtuple("AROON", ["down", "up"])


@numba.njit(cache=True)
def _aroon(high, low, period):
    n = high.shape[0]
    down = np.full(n, np.nan)
    up = np.full(n, np.nan)
    for i in range(period, n):
        start = i - period
        hi = 0
        lo = 0
        # the first occurrence wins ties (numpy argmax/argmin)
        for k in range(1, period + 1):
            if high[start + k] > high[start + hi]:
                hi = k
            if low[start + k] < low[start + lo]:
                lo = k
        up[i] = 100.0 * (hi / period)
        down[i] = 100.0 * (lo / period)
    return down, up


@numba.njit(cache=True)
def _last_aroon(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    # each row depends on its own window only, so the last value comes from the last window's rows alone
    t = max(0, a0.shape[0] - (a2 + 1))
    r = _aroon(a0[t:], a1[t:], a2)
    return r[0][-1], r[1][-1]


@numba.njit(cache=True)
def _last_aroon_rows(c, warm, a0):
    # _last_aroon on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_aroon(w[:, HIGH], w[:, LOW], a0)


def aroon(candles: np.ndarray, period: int = 14, sequential: bool = False) -> AROON:
    """AROON(down, up) over windows of ``period + 1`` bars.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> aroon(candles_from_close_prices(np.linspace(100, 150, 60))).up
        np.float64(100.0)
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return AROON(*map(_f64, _last_aroon_rows(candles, _warmup_now(), period)))
    c = ohlcv(candles, sequential, "aroon")
    if not sequential:
        return AROON(*map(_f64, _last_aroon(c[:, HIGH], c[:, LOW], period)))
    return AROON(*_aroon(c[:, HIGH], c[:, LOW], period))
