"""STOCH: the (slow) stochastic oscillator (Jesse ``ta.stoch``).

Raw %K is NaN when the window's high equals its low; slow %K and %D are means of the non-NaN values in
each full window. Jesse's kernel always uses an SMA whatever ``slowk_matype``/``slowd_matype`` say.
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

Stochastic = namedtuple("Stochastic", ["k", "d"])


@numba.njit(cache=True)
def _raw_k(high, low, close, period):
    n = high.shape[0]
    hh = rolling_max(high, period)
    # raw %K written over the lowest lows, each read just before (their NaN warm-up rows are %K's): one array
    # fewer to allocate and fill
    k = rolling_min(low, period)
    for i in range(period - 1, n):
        h = hh[i]
        lo = k[i]
        k[i] = 100.0 * (close[i] - lo) / (h - lo) if h > lo else np.nan
    return k


def stoch(candles: np.ndarray, fastk_period: int = 14, slowk_period: int = 3, slowk_matype: int = 0,
          slowd_period: int = 3, slowd_matype: int = 0, sequential: bool = False) -> Stochastic:
    """Slow %K and %D.

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1, 1.5, 2.0, 1.0, 1]])
        >>> stoch(c, fastk_period=1, slowk_period=1, slowd_period=1).k
        np.float64(50.0)
    """
    if any(m in (24, 29) for m in (slowk_matype, slowd_matype)):
        raise ValueError("VWMA (matype 24) and VWAP (matype 29) cannot be used in stochastic indicator.")
    fastk_period = check_period(fastk_period, "fastk_period")
    slowk_period = check_period(slowk_period, "slowk_period")
    slowd_period = check_period(slowd_period, "slowd_period")
    c = ohlcv(candles, sequential, "stoch")
    n = c.shape[0]
    if n < fastk_period:
        k = np.full(n, np.nan)
        d = np.full(n, np.nan)
    else:
        raw = _raw_k(c[:, HIGH], c[:, LOW], c[:, CLOSE], fastk_period)
        k = sma_skipnan_window(raw, slowk_period)
        d = sma_skipnan_window(k, slowd_period)
    if sequential:
        return Stochastic(k, d)
    return Stochastic(_f64(k[-1]), _f64(d[-1]))
