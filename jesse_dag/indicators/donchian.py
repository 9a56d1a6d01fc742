"""Donchian channel: highest high, lowest low and their midpoint."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

DonchianChannel = namedtuple("DonchianChannel", ["upperband", "middleband", "lowerband"])


@numba.njit(cache=True)
def _window_extreme(c, col, first, n, want_max):
    # _kernels.rolling_extreme's last value on rows first..n-1 of column ``col``: without NaN the extreme's
    # latest occurrence (it tells 0.0 from -0.0); with a NaN the naive scan's
    m = c[first, col]
    for k in range(first, n):
        if np.isnan(c[k, col]):
            for j in range(first + 1, n):
                if (c[j, col] > m) if want_max else (c[j, col] < m):
                    m = c[j, col]
            return m
    for k in range(first + 1, n):
        v = c[k, col]
        if (v >= m) if want_max else (v <= m):
            m = v
    return m


@numba.njit(cache=True)
def _last_donchian_rows(c, warm, period):
    # the last upper and lower band on Jesse's trailing ``warm`` rows of 2-D candles (the fast lane)
    n = c.shape[0]
    if n - _kernels.window_start(n, warm) < period:
        return np.nan, np.nan
    return _window_extreme(c, HIGH, n - period, n, True), _window_extreme(c, LOW, n - period, n, False)


def donchian(candles: np.ndarray, period: int = 20, sequential: bool = False) -> DonchianChannel:
    """DonchianChannel(upperband, middleband, lowerband).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> d = donchian(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> d.upperband > d.middleband > d.lowerband
        np.True_
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        u, d = map(_f64, _last_donchian_rows(candles, _warmup_now(), period))
        return DonchianChannel(u, (u + d) / 2, d)
    c = ohlcv(candles, sequential, "donchian")
    if not sequential:
        # each row depends on its own window only: the last window's rows alone give the last value
        c = c[max(0, c.shape[0] - period):]
    # the shared kernel itself, not rolling_max / rolling_min: called from Python those would each compile
    # a library of their own around it
    up = _kernels.rolling_extreme(c[:, HIGH], period, 1.0)
    lo = _kernels.rolling_extreme(c[:, LOW], period, -1.0)
    if not sequential:
        u, d = _f64(up[-1]), _f64(lo[-1])
        return DonchianChannel(u, (u + d) / 2, d)
    return DonchianChannel(up, (up + lo) / 2, lo)
