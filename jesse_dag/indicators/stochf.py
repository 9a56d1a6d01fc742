"""STOCHF: fast stochastic (Jesse ``ta.stochf``).

%K is 50 when the window's high equals its low. %D is the mean of the non-NaN %K values in each full
``fastd_period`` window (Jesse's kernel always uses an SMA whatever ``fastd_matype`` says).
"""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._core import check_period, ohlcv
from jesse_dag.indicators._kernels import rolling_max, rolling_min
from jesse_dag.indicators._kernels_averages import sma_skipnan_window

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

StochasticFast = namedtuple("StochasticFast", ["k", "d"])


@numba.njit(cache=True)
def _fast_k(high, low, close, period):
    n = high.shape[0]
    hh = rolling_max(high, period)
    # %K written over the lowest lows, each read just before (their NaN warm-up rows are %K's): one 100k-row
    # array fewer to allocate and fill, 0.9x the time
    k = rolling_min(low, period)
    for i in range(period - 1, n):
        h = hh[i]
        lo = k[i]
        k[i] = 100.0 * (close[i] - lo) / (h - lo) if h > lo else 50.0
    return k


@numba.njit(cache=True)
def _last_stochf(c, fastk_period, fastd_period):
    # %K and %D of each row depend on that row's windows only, so the last values come from the last
    # ``fastk_period + fastd_period - 1`` rows alone, in one call with scalar results
    n = c.shape[0]
    if n < fastk_period:
        return np.nan, np.nan
    t = c[max(0, n - (fastk_period + fastd_period - 1)):]
    k = _fast_k(t[:, HIGH], t[:, LOW], t[:, CLOSE], fastk_period)
    return k[-1], sma_skipnan_window(k, fastd_period)[-1]


def stochf(candles: np.ndarray, fastk_period: int = 5, fastd_period: int = 3, fastd_matype: int = 0,
           sequential: bool = False) -> StochasticFast:
    """Fast %K and %D.

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1, 1.5, 2.0, 1.0, 1]])
        >>> stochf(c, fastk_period=1, fastd_period=1).k
        np.float64(50.0)
    """
    if fastd_matype in (24, 29):
        raise ValueError("VWMA (matype 24) and VWAP (matype 29) cannot be used in stochf indicator.")
    fastk_period = check_period(fastk_period, "fastk_period")
    fastd_period = check_period(fastd_period, "fastd_period")
    c = ohlcv(candles, sequential, "stochf")
    if not sequential:
        return StochasticFast(*map(_f64, _last_stochf(c, fastk_period, fastd_period)))
    n = c.shape[0]
    if n < fastk_period:
        k = np.full(n, np.nan)
        d = np.full(n, np.nan)
    else:
        k = _fast_k(c[:, HIGH], c[:, LOW], c[:, CLOSE], fastk_period)
        d = sma_skipnan_window(k, fastd_period)
    return StochasticFast(k, d)
