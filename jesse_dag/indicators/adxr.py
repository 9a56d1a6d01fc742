"""ADXR - average directional movement index rating."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _fill_dx(c, s0, period, dx):
    # DX of rows s0.. of 2-D candles into dx[0..]. Jesse's ADXR smooths from the first bar (Wilder sums seeded
    # with bar 0, not an SMA window); the true range is _kernels.true_range's, computed row by row
    n = c.shape[0] - s0
    s_tr = c[s0, HIGH] - c[s0, LOW]
    s_p = 0.0
    s_m = 0.0
    for k in range(n):
        i = s0 + k
        if k > 0:
            up = c[i, HIGH] - c[i - 1, HIGH]
            dn = c[i - 1, LOW] - c[i, LOW]
            pdm = up if (up > dn and up > 0.0) else 0.0
            mdm = dn if (dn > up and dn > 0.0) else 0.0
            hl = c[i, HIGH] - c[i, LOW]
            hc = abs(c[i, HIGH] - c[i - 1, CLOSE])
            lc = abs(c[i, LOW] - c[i - 1, CLOSE])
            s_tr = s_tr - s_tr / period + max(hl, max(hc, lc))
            s_p = s_p - s_p / period + pdm
            s_m = s_m - s_m / period + mdm
        if s_tr != 0.0:
            dip = s_p / s_tr * 100.0
            dim = s_m / s_tr * 100.0
            tot = dip + dim
            dx[k] = abs(dip - dim) / tot * 100.0 if tot != 0.0 else 0.0


@numba.njit(cache=True)
def _adxr(c, period):
    n = c.shape[0]
    dx = np.zeros(n)
    if n > 0:
        _fill_dx(c, 0, period, dx)
    adx = _kernels.rolling_sum(dx, period) / period
    out = np.full(n, np.nan)
    for i in range(period, n):
        if not np.isnan(adx[i]) and not np.isnan(adx[i - period]):
            out[i] = (adx[i] + adx[i - period]) / 2.0
    return out


@numba.njit(cache=True)
def _last_adxr_rows(c, warm, period):
    # _adxr(c[s:], period)[-1] on Jesse's trailing ``warm`` rows: DX into one small buffer, then only the two
    # ADX windows the last value needs, summed as rolling_sum does (from 0.0, oldest first): the same bits
    s0 = _kernels.window_start(c.shape[0], warm)
    n = c.shape[0] - s0
    if n <= period:
        return np.nan
    dx = np.zeros(n)
    _fill_dx(c, s0, period, dx)
    e1 = n - 1
    e0 = n - 1 - period
    if e0 < period - 1:
        return np.nan
    a1 = 0.0
    a0 = 0.0
    for t in range(period):
        a1 += dx[e1 - period + 1 + t]
        a0 += dx[e0 - period + 1 + t]
    a1 = a1 / period
    a0 = a0 / period
    if np.isnan(a1) or np.isnan(a0):
        return np.nan
    return (a1 + a0) / 2.0


def adxr(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """ADXR: mean of the ADX now and ``period`` bars ago.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= adxr(candles_from_close_prices(np.linspace(100, 150, 60))) <= 100
        np.True_
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_adxr_rows(candles, _warmup_now(), period))
    c = np.ascontiguousarray(ohlcv(candles, sequential, "adxr"))
    if not sequential:
        return _f64(_last_adxr_rows(c, 0, period))
    return _adxr(c, period)
