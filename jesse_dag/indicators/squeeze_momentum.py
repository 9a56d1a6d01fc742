"""Squeeze Momentum by LazyBear (Jesse ``ta.squeeze_momentum``).

As in Jesse, ``sequential`` defaults to True, the Bollinger width uses ``mult_kc``
(``mult`` is accepted but unused by Jesse), ``squeeze`` is -1 (on) / 1 (off) / 0, and
``momentum_signal`` (1, 2, -1, -2) has one row fewer than the candles.
Jesse never slices here; ``sequential=False`` slices to the warm-up window like every other indicator,
which changes nothing but rounding bits (every term looks back at most ``2·length_kc`` rows).
"""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._core import as_candles, check_number, check_period, slice_candles
from jesse_dag.indicators._kernels import rolling_max, rolling_min, rolling_std, sma, true_range

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

SqueezeMomentum = namedtuple("SqueezeMomentum", ["squeeze", "momentum", "momentum_signal"])


@numba.njit(cache=True)
def _linearreg(src, period):
    # value of the least-squares line at the window's last point (Jesse's linearreg)
    n = src.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    mean_x = (period - 1.0) / 2.0
    sxx = 0.0
    for j in range(period):
        sxx += (j - mean_x) ** 2
    for i in range(period - 1, n):
        mean_y = 0.0
        for j in range(period):
            mean_y += src[i + 1 - period + j]
        mean_y /= period
        sxy = 0.0
        for j in range(period):
            sxy += (src[i + 1 - period + j] - mean_y) * (j - mean_x)
        out[i] = mean_y + mean_x * (sxy / sxx)
    return out


@numba.njit(cache=True)
def _squeeze_momentum(close, high, low, length, length_kc, mult_kc):
    n = close.shape[0]
    basis = sma(close, length)
    dev = mult_kc * rolling_std(close, length)
    ma = sma(close, length_kc)
    range_ma = sma(true_range(high, low, close), length_kc)
    sqz = np.zeros(n)
    for i in range(n):
        lower_bb = basis[i] - dev[i]
        upper_bb = basis[i] + dev[i]
        upper_kc = ma[i] + range_ma[i] * mult_kc
        lower_kc = ma[i] - range_ma[i] * mult_kc
        if lower_bb > lower_kc and upper_bb < upper_kc:
            sqz[i] = -1.0
        elif lower_bb < lower_kc and upper_bb > upper_kc:
            sqz[i] = 1.0
    highs = rolling_max(high, length_kc)
    lows = rolling_min(low, length_kc)
    raw = np.empty(n)
    for i in range(n):
        h = 0.0 if np.isnan(highs[i]) else highs[i]
        lo = 0.0 if np.isnan(lows[i]) else lows[i]
        m = 0.0 if np.isnan(ma[i]) else ma[i]
        raw[i] = close[i] - ((h + lo) / 2.0 + m) / 2.0
    momentum = _linearreg(raw, length_kc)
    signal = np.empty(max(n - 1, 0))
    for i in range(n - 1):
        if momentum[i + 1] > 0:
            signal[i] = 1.0 if momentum[i + 1] > momentum[i] else 2.0
        else:
            signal[i] = -1.0 if momentum[i + 1] < momentum[i] else -2.0
    return sqz, momentum, signal


def squeeze_momentum(candles: np.ndarray, length: int = 20, mult: float = 2.0, length_kc: int = 20,
                     mult_kc: float = 1.5, sequential: bool = True) -> SqueezeMomentum:
    """Squeeze state, linear-regression momentum and its 4-state signal.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.arange(30.0), np.ones(30), np.full(30, 2.0), np.full(30, 2.0),
        ...                      np.full(30, 2.0), np.ones(30)])
        >>> round(squeeze_momentum(c, sequential=False).momentum, 6)
        np.float64(-0.514286)
    """
    length = check_period(length, "length")
    length_kc = check_period(length_kc, "length_kc")
    check_number(mult, "mult")
    mult_kc = check_number(mult_kc, "mult_kc")
    arr = as_candles(candles)
    if arr.ndim != 2:
        raise ValueError("squeeze_momentum: needs a 2-D (N, 6) candle array, got a 1-D series")
    arr = slice_candles(arr, sequential)
    sqz, momentum, signal = _squeeze_momentum(arr[:, CLOSE], arr[:, HIGH], arr[:, LOW], length,
                                              length_kc, mult_kc)
    sqz_int = sqz.astype(np.int64)
    signal_int = signal.astype(np.int64)
    if sequential:
        # Jesse builds the two integer series as Python lists
        return SqueezeMomentum(sqz_int.tolist(), momentum, signal_int.tolist())
    if signal_int.shape[0] == 0:
        raise ValueError("squeeze_momentum: needs at least 2 candles for a momentum signal")
    return SqueezeMomentum(int(sqz_int[-1]), _f64(momentum[-1]), int(signal_int[-1]))
