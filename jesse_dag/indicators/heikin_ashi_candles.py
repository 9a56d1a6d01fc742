"""Heikin-Ashi candles."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

HA = namedtuple("HA", ["open", "close", "high", "low"])


@numba.njit(cache=True)
def _ha(c):
    # _kernels_bars.heikin_ashi on the 2-D candles: one pass over the rows instead of four strided column views
    n = c.shape[0]
    ho = np.empty(n)
    hc = np.empty(n)
    hh = np.empty(n)
    hl = np.empty(n)
    if n == 0:
        return ho, hc, hh, hl
    ho[0] = hc[0] = hh[0] = hl[0] = np.nan
    # the previous row's open and close are carried in locals: read back from the candles after the stores
    # (which might alias them, as far as the compiler knows) they cost half the time
    po = c[0, OPEN]
    pc = c[0, CLOSE]
    for i in range(1, n):
        r = _kernels.scalar_row(i)  # scalar loads: LLVM's gathers of the four strided columns cost 3x
        o = c[r, OPEN]
        cl = c[r, CLOSE]
        h = c[r, HIGH]
        lw = c[r, LOW]
        a = (po + pc) / 2.0
        b = (o + cl + h + lw) / 4.0
        po = o
        pc = cl
        ho[i] = a
        hc[i] = b
        hh[i] = max(h, max(a, b))
        hl[i] = min(lw, min(a, b))
    return ho, hc, hh, hl


@numba.njit(cache=True)
def _last_ha_row(c):
    # the last row alone (each row depends on itself and the previous raw candle only)
    n = c.shape[0]
    if n < 2:
        return np.nan, np.nan, np.nan, np.nan
    i = n - 1
    a = (c[i - 1, OPEN] + c[i - 1, CLOSE]) / 2.0
    b = (c[i, OPEN] + c[i, CLOSE] + c[i, HIGH] + c[i, LOW]) / 4.0
    return a, b, max(c[i, HIGH], max(a, b)), min(c[i, LOW], min(a, b))


def heikin_ashi_candles(candles: np.ndarray, sequential: bool = False) -> HA:
    """Heikin-Ashi open/close/high/low; row 0 is NaN.

    As in Jesse, each HA open averages the previous *raw* candle's open and close.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> ha = heikin_ashi_candles(candles_from_close_prices(np.linspace(100, 110, 30)))
        >>> ha.high >= ha.low
        np.True_
    """
    c = ohlcv(candles, sequential, "heikin_ashi_candles")
    if not sequential:
        return HA(*map(_f64, _last_ha_row(c)))
    return HA(*_ha(c))
