"""DX - directional movement index with Jesse's wrap-around RMA seed."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_period, ohlcv

DX = namedtuple("DX", ["adx", "plusDI", "minusDI"])


@numba.njit(cache=True)
def _wrap_rma(x, alpha):
    # Jesse seeds this RMA with the LAST value (a Python index -1 wrap-around): y0 = a*x0 + (1-a)*x[-1]
    n = x.shape[0]
    out = np.empty(n)
    out[0] = alpha * x[0] + (1.0 - alpha) * x[n - 1]
    for i in range(1, n):
        out[i] = alpha * x[i] + (1.0 - alpha) * out[i - 1]
    return out


@numba.njit(cache=True)
def _dx(high, low, close, di_length, adx_smoothing):
    n = high.shape[0]
    pdm = np.zeros(n)
    mdm = np.zeros(n)
    for i in range(1, n):
        up = high[i] - high[i - 1]
        dn = low[i - 1] - low[i]
        if up > dn and up > 0.0:
            pdm[i] = up
        if dn > up and dn > 0.0:
            mdm[i] = dn
    tr = _kernels.true_range(high, low, close)
    a = 1.0 / di_length
    tr_r = _wrap_rma(tr, a)
    p_r = _wrap_rma(pdm, a)
    m_r = _wrap_rma(mdm, a)
    plus = np.zeros(n)
    minus = np.zeros(n)
    idx = np.empty(n)
    for i in range(n):
        if tr_r[i] != 0.0:
            plus[i] = 100.0 * p_r[i] / tr_r[i]
            minus[i] = 100.0 * m_r[i] / tr_r[i]
        tot = plus[i] + minus[i]
        diff = abs(plus[i] - minus[i])
        idx[i] = diff if tot == 0.0 else diff / tot
    b = 1.0 / adx_smoothing
    adx = np.empty(n)
    adx[0] = 100.0 * (b * idx[0] + (1.0 - b) * idx[n - 1])
    for i in range(1, n):
        adx[i] = (1.0 - b) * adx[i - 1] + 100.0 * b * idx[i]
    return adx, plus, minus


@numba.njit(cache=True)
def _last_dx(high, low, close, di_length, adx_smoothing):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _dx(high, low, close, di_length, adx_smoothing)
    return r[0][-1], r[1][-1], r[2][-1]


def dx(candles: np.ndarray, di_length: int = 14, adx_smoothing: int = 14, sequential: bool = False) -> DX:
    """DX(adx, plusDI, minusDI); no NaN warm-up (Jesse seeds its RMAs from the last bar).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> r = dx(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> r.plusDI > r.minusDI
        True
    """
    di_length = check_period(di_length, "di_length")
    adx_smoothing = check_period(adx_smoothing, "adx_smoothing")
    c = ohlcv(candles, sequential, "dx")
    if not sequential:
        return DX(*map(float, _last_dx(c[:, HIGH], c[:, LOW], c[:, CLOSE], di_length, adx_smoothing)))
    return DX(*_dx(c[:, HIGH], c[:, LOW], c[:, CLOSE], di_length, adx_smoothing))
