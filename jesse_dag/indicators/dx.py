"""DX - directional movement index with Jesse's wrap-around RMA seed."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

DX = namedtuple("DX", ["adx", "plusDI", "minusDI"])


@numba.njit(cache=True, inline="always")
def _row(c, i):
    # (true range, +DM, -DM) of row ``i``; row 0 has TR = H - L and no movement
    if i == 0:
        return c[0, HIGH] - c[0, LOW], 0.0, 0.0
    h = c[i, HIGH]
    lw = c[i, LOW]
    up = h - c[i - 1, HIGH]
    dn = c[i - 1, LOW] - lw
    pdm = up if (up > dn and up > 0.0) else 0.0
    mdm = dn if (dn > up and dn > 0.0) else 0.0
    return _kernels.true_range_at(c, i, HIGH, LOW, CLOSE), pdm, mdm


@numba.njit(cache=True, inline="always")
def _di(tr_r, p_r, m_r):
    # (+DI, -DI, |+DI - -DI| / (+DI + -DI)) from the smoothed sums
    plus = 0.0
    minus = 0.0
    if tr_r != 0.0:
        plus = 100.0 * p_r / tr_r
        minus = 100.0 * m_r / tr_r
    tot = plus + minus
    diff = abs(plus - minus)
    return plus, minus, (diff if tot == 0.0 else diff / tot)


@numba.njit(cache=True)
def _dx_run(c, di_length, adx_smoothing, adx, plus, minus):
    # Jesse seeds each RMA with the LAST value (a Python index -1 wrap-around): y0 = a*x0 + (1-a)*x[-1],
    # and the ADX with the last DX the same way. So: one pass for the last DX (scalars only), then the pass
    # that writes the rows when the output arrays have one per row. Returns the last (adx, +DI, -DI).
    n = c.shape[0]
    write = adx.shape[0] == n
    a = 1.0 / di_length
    b = 1.0 / adx_smoothing
    tr_l, p_l, m_l = _row(c, n - 1)
    tr0, p0, m0 = _row(c, 0)
    tr_r = a * tr0 + (1.0 - a) * tr_l
    p_r = a * p0 + (1.0 - a) * p_l
    m_r = a * m0 + (1.0 - a) * m_l
    pl0, mi0, idx0 = _di(tr_r, p_r, m_r)
    pl, mi, idx = pl0, mi0, idx0
    for i in range(1, n):
        tr, pdm, mdm = _row(c, i)
        tr_r = a * tr + (1.0 - a) * tr_r
        p_r = a * pdm + (1.0 - a) * p_r
        m_r = a * mdm + (1.0 - a) * m_r
        pl, mi, idx = _di(tr_r, p_r, m_r)
    idx_last = idx
    y = 100.0 * (b * idx0 + (1.0 - b) * idx_last)
    if write:
        adx[0] = y
        plus[0] = pl0
        minus[0] = mi0
    if n == 1:
        return y, pl0, mi0
    tr_r = a * tr0 + (1.0 - a) * tr_l
    p_r = a * p0 + (1.0 - a) * p_l
    m_r = a * m0 + (1.0 - a) * m_l
    for i in range(1, n):
        tr, pdm, mdm = _row(c, i)
        tr_r = a * tr + (1.0 - a) * tr_r
        p_r = a * pdm + (1.0 - a) * p_r
        m_r = a * mdm + (1.0 - a) * m_r
        pl, mi, idx = _di(tr_r, p_r, m_r)
        y = (1.0 - b) * y + 100.0 * b * idx
        if write:
            adx[i] = y
            plus[i] = pl
            minus[i] = mi
    return y, pl, mi


@numba.njit(cache=True)
def _dx(c, di_length, adx_smoothing):
    n = c.shape[0]
    adx = np.empty(n)
    plus = np.empty(n)
    minus = np.empty(n)
    _dx_run(c, di_length, adx_smoothing, adx, plus, minus)
    return adx, plus, minus


@numba.njit(cache=True)
def _last_dx(c, di_length, adx_smoothing):
    empty = np.empty(0)
    return _dx_run(c, di_length, adx_smoothing, empty, empty, empty)


def dx(candles: np.ndarray, di_length: int = 14, adx_smoothing: int = 14, sequential: bool = False) -> DX:
    """DX(adx, plusDI, minusDI); no NaN warm-up (Jesse seeds its RMAs from the last bar).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> r = dx(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> r.plusDI > r.minusDI
        np.True_
    """
    di_length = check_period(di_length, "di_length")
    adx_smoothing = check_period(adx_smoothing, "adx_smoothing")
    c = ohlcv(candles, sequential, "dx")
    if not sequential:
        return DX(*map(_f64, _last_dx(c, di_length, adx_smoothing)))
    return DX(*_dx(c, di_length, adx_smoothing))
