"""Waddah Attar Explosion by LazyBear (Jesse ``ta.waddah_attar_explosion``); no ``sequential`` flag.

``trend_power = (macd_t - macd_{t-1}) × sensitivity`` with Jesse's MACD line (EMAs seeded with the first
value), ``explosion_line`` = Bollinger width ``2·mult·std`` over ``channel_length``, ``trend_direction``
1 when the power is >= 0 else -1. Candles are sliced to the warm-up window first, as in Jesse.
"""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators._core import check_number, check_period, source_of
from jesse_dag.indicators._kernels import rolling_std

WaddahAttarExplosionTuple = namedtuple("WaddahAttarExplosionTuple",
                                       ["explosion_line", "trend_power", "trend_direction"])


@numba.njit(cache=True)
def _macd_last(source, n, fast, slow):
    # MACD line at row n-1 of source[:n]; NaN differences read as 0 like jesse_rust
    a_fast = 2.0 / (fast + 1.0)
    a_slow = 2.0 / (slow + 1.0)
    ef = source[0]
    es = source[0]
    for i in range(1, n):
        ef = a_fast * source[i] + (1.0 - a_fast) * ef
        es = a_slow * source[i] + (1.0 - a_slow) * es
    m = ef - es
    return 0.0 if np.isnan(m) else m


@numba.njit(cache=True)
def _last_sma(x, period):
    n = x.shape[0]
    if n < period:
        return np.nan
    s = 0.0
    for i in range(period):
        s += x[i]
    for i in range(period, n):
        s -= x[i - period]
        s += x[i]
    return s / period


def waddah_attar_explosion(candles: np.ndarray, sensitivity: int = 150, fast_length: int = 20,
                           slow_length: int = 40, channel_length: int = 20, mult: float = 2.0,
                           source_type: str = "close") -> WaddahAttarExplosionTuple:
    """Explosion line, trend power and direction of the latest bar.

    Example:
        >>> import numpy as np
        >>> waddah_attar_explosion(np.full(50, 2.0)).trend_direction
        1
    """
    sensitivity = check_number(sensitivity, "sensitivity")
    fast_length = check_period(fast_length, "fast_length")
    slow_length = check_period(slow_length, "slow_length")
    channel_length = check_period(channel_length, "channel_length")
    mult = check_number(mult, "mult")
    _, source = source_of(candles, source_type, False)
    n = source.shape[0]
    if n < 2:
        raise ValueError("waddah_attar_explosion: needs at least 2 values (it compares the last two MACD values)")
    t1 = (_macd_last(source, n, fast_length, slow_length)
          - _macd_last(source, n - 1, fast_length, slow_length)) * sensitivity
    basis = _last_sma(source, channel_length)
    dev = mult * rolling_std(source, channel_length)[-1]
    e1 = (basis + dev) - (basis - dev)
    return WaddahAttarExplosionTuple(np.float64(e1), np.float64(t1), 1 if t1 >= 0 else -1)
