"""EMD - Ehlers empirical mode decomposition bands."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_number, check_period, ohlcv

EMD = namedtuple("EMD", ["upperband", "middleband", "lowerband"])


@numba.njit(cache=True)
def _emd(high, low, period, delta, fraction):
    n = high.shape[0]
    price = (high + low) / 2.0
    beta = np.cos(2.0 * np.pi / period)
    gamma = 1.0 / np.cos(4.0 * np.pi * delta / period)
    alpha = gamma - np.sqrt(gamma * gamma - 1.0)
    bp = np.zeros(n)
    for i in range(2, n):
        bp[i] = 0.5 * (1.0 - alpha) * (price[i] - price[i - 2])
        if i > 2:
            bp[i] += beta * (1.0 + alpha) * bp[i - 1] - alpha * bp[i - 2]
    mean = _kernels.sma_running(bp, 2 * period)
    peak = bp.copy()
    valley = bp.copy()
    for i in range(1, n):
        peak[i] = peak[i - 1]
        valley[i] = valley[i - 1]
        if i > 2:
            if bp[i - 1] > bp[i] and bp[i - 1] > bp[i - 2]:
                peak[i] = bp[i - 1]
            if bp[i - 1] < bp[i] and bp[i - 1] < bp[i - 2]:
                valley[i] = bp[i - 1]
    return _kernels.sma_running(peak, 50) * fraction, mean, _kernels.sma_running(valley, 50) * fraction


@numba.njit(cache=True)
def _last_emd(a0, a1, a2, a3, a4):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _emd(a0, a1, a2, a3, a4)
    return r[0][-1], r[1][-1], r[2][-1]


@numba.njit(cache=True)
def _last_emd_rows(c, warm, period, delta, fraction):
    # _last_emd on Jesse's trailing ``warm`` rows in one pass with no array returned: the band-pass, peak and
    # valley and the three running sums take the same operations in the same order as _emd, so the same bits
    s0 = _kernels.window_start(c.shape[0], warm)
    n = c.shape[0] - s0
    beta = np.cos(2.0 * np.pi / period)
    gamma = 1.0 / np.cos(4.0 * np.pi * delta / period)
    alpha = gamma - np.sqrt(gamma * gamma - 1.0)
    p2 = 2 * period
    buf = np.empty((3, n))
    bp, peak, valley = buf[0], buf[1], buf[2]
    s_mean = 0.0
    s_peak = 0.0
    s_valley = 0.0
    p_1 = 0.0  # price[i - 1], price[i - 2]
    p_2 = 0.0
    for k in range(n):
        i = s0 + k
        price = (c[i, HIGH] + c[i, LOW]) / 2.0
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
    mean = s_mean / p2 if n >= p2 else np.nan
    if n < 50:
        return np.nan, mean, np.nan
    return s_peak / 50 * fraction, mean, s_valley / 50 * fraction


def emd(candles: np.ndarray, period: int = 20, delta: float = 0.5, fraction: float = 0.1,
        sequential: bool = False) -> EMD:
    """EMD(upperband, middleband, lowerband).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> e = emd(candles_from_close_prices(100 + np.sin(np.arange(300) / 3.0)))
        >>> e.upperband > e.lowerband
        True
    """
    period = check_period(period)
    delta = check_number(delta, "delta")
    fraction = check_number(fraction, "fraction")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return EMD(*_last_emd_rows(candles, _warmup_candles_num.get(), period, delta, fraction))
    c = ohlcv(candles, sequential, "emd")
    if not sequential:
        return EMD(*map(float, _last_emd(c[:, HIGH], c[:, LOW], period, delta, fraction)))
    return EMD(*_emd(c[:, HIGH], c[:, LOW], period, delta, fraction))
