"""EMD - Ehlers empirical mode decomposition bands."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

EMD = namedtuple("EMD", ["upperband", "middleband", "lowerband"])


@numba.njit(cache=True, inline="always")
def _emd_into(c, s0, period, delta, fraction, upper, middle, lower):
    # rows s0.. of 2-D candles in one pass: the band-pass of the median price, its peaks and valleys and the
    # three running means (Jesse's sma_running: a running sum, NaN before the first full window), with the
    # operations of Jesse's separate passes, so the same bits. The outputs hold every row, or with one row
    # only the last
    n = c.shape[0] - s0
    keep_all = upper.shape[0] == n
    beta = np.cos(2.0 * np.pi / period)
    gamma = 1.0 / np.cos(4.0 * np.pi * delta / period)
    alpha = gamma - np.sqrt(gamma * gamma - 1.0)
    p2 = 2 * period
    buf = np.empty((3, n))
    bp, peak, valley = buf[0], buf[1], buf[2]
    s_mean = 0.0
    s_peak = 0.0
    s_valley = 0.0
    p_1 = 0.0  # price[k - 1], price[k - 2]
    p_2 = 0.0
    for k in range(n):
        r = _kernels.scalar_row(np.uint64(s0 + k))
        price = (c[r, HIGH] + c[r, LOW]) / 2.0
        b = 0.0
        if k >= 2:
            b = 0.5 * (1.0 - alpha) * (price - p_2)
            if k > 2:
                b += beta * (1.0 + alpha) * bp[k - 1] - alpha * bp[k - 2]
        bp[k] = b
        p_2 = p_1
        p_1 = price
        if k == 0:
            pk = b
            vl = b
        else:
            pk = peak[k - 1]
            vl = valley[k - 1]
            if k > 2:
                if bp[k - 1] > b and bp[k - 1] > bp[k - 2]:
                    pk = bp[k - 1]
                if bp[k - 1] < b and bp[k - 1] < bp[k - 2]:
                    vl = bp[k - 1]
        peak[k] = pk
        valley[k] = vl
        s_mean = s_mean + b if k < p2 else s_mean + (b - bp[k - p2])
        if k < 50:
            s_peak += pk
            s_valley += vl
        else:
            s_peak += pk - peak[k - 50]
            s_valley += vl - valley[k - 50]
        if keep_all or k == n - 1:
            j = k if keep_all else 0
            middle[j] = s_mean / p2 if k >= p2 - 1 else np.nan
            upper[j] = s_peak / 50 * fraction if k >= 49 else np.nan
            lower[j] = s_valley / 50 * fraction if k >= 49 else np.nan


@numba.njit(cache=True)
def _emd(c, period, delta, fraction):
    n = c.shape[0]
    upper = np.empty(n)
    middle = np.empty(n)
    lower = np.empty(n)
    _emd_into(c, 0, period, delta, fraction, upper, middle, lower)
    return upper, middle, lower


@numba.njit(cache=True)
def _last_emd_rows(c, warm, period, delta, fraction):
    # the last values on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    out = np.full((3, 1), np.nan)
    s0 = _kernels.window_start(c.shape[0], warm)
    if c.shape[0] > s0:
        _emd_into(c, s0, period, delta, fraction, out[0], out[1], out[2])
    return out[0, 0], out[1, 0], out[2, 0]


def emd(candles: np.ndarray, period: int = 20, delta: float = 0.5, fraction: float = 0.1,
        sequential: bool = False) -> EMD:
    """EMD(upperband, middleband, lowerband).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> e = emd(candles_from_close_prices(100 + np.sin(np.arange(300) / 3.0)))
        >>> e.upperband > e.lowerband
        np.True_
    """
    period = check_period(period)
    delta = check_number(delta, "delta")
    fraction = check_number(fraction, "fraction")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return EMD(*map(_f64, _last_emd_rows(candles, _warmup_now(), period, delta, fraction)))
    c = np.ascontiguousarray(ohlcv(candles, sequential, "emd"))
    if not sequential:
        return EMD(*map(_f64, _last_emd_rows(c, 0, period, delta, fraction)))
    return EMD(*_emd(c, period, delta, fraction))
