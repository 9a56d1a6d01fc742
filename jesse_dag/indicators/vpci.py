"""VPCI: volume price confirmation indicator (Jesse ``ta.vpci``).

Uses Jesse's NaN-skipping SMA, so the signal ``vpcis`` starts ``short_range - 1`` rows before a full
window of ``vpci`` values exists, exactly like Jesse.
"""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, VOLUME
from jesse_dag.indicators._core import check_period, ohlcv
from jesse_dag.indicators._kernels import scalar_row, sma

VPCI = namedtuple("VPCI", ["vpci", "vpcis"])


# error_model="numpy": a zero volume average gives inf or NaN as numpy does, not an exception
@numba.njit(cache=True, error_model="numpy")
def _vpci(c, short_range, long_range):
    # the numpy expression of Jesse's formula in one call, element by element in the same order (the same
    # bits), each distinct SMA once
    n = c.shape[0]
    close = np.empty(n)
    vol = np.empty(n)
    cv = np.empty(n)
    for i in range(n):
        r = scalar_row(i)
        close[i] = c[r, CLOSE]
        vol[i] = c[r, VOLUME]
        cv[i] = close[i] * vol[i]
    cv_long = sma(cv, long_range)
    vol_long = sma(vol, long_range)
    close_long = sma(close, long_range)
    cv_short = sma(cv, short_range)
    vol_short = sma(vol, short_range)
    close_short = sma(close, short_range)
    vpci_val = np.empty(n)
    weighted = np.empty(n)
    for i in range(n):
        vpc = cv_long[i] / vol_long[i] - close_long[i]
        vpr = (cv_short[i] / vol_short[i]) / close_short[i]
        vm = vol_short[i] / vol_long[i]
        v = vpc * vpr * vm
        vpci_val[i] = v
        weighted[i] = v * vol[i]
    vpcis = sma(weighted, short_range)
    for i in range(n):
        vpcis[i] = vpcis[i] / vol_short[i]
    return vpci_val, vpcis


@numba.njit(cache=True)
def _last_vpci(c, short_range, long_range):
    # the last values only: returning the arrays to Python costs more than the kernel on a short window
    v, s = _vpci(c, short_range, long_range)
    return v[-1], s[-1]


def vpci(candles: np.ndarray, short_range: int = 5, long_range: int = 25, sequential: bool = False) -> VPCI:
    """VPCI and its volume-weighted signal line.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(6), np.ones(6), np.full(6, 2.0), np.ones(6), np.ones(6), np.ones(6)])
        >>> vpci(c, short_range=2, long_range=3).vpci
        np.float64(0.0)
    """
    short_range = check_period(short_range, "short_range")
    long_range = check_period(long_range, "long_range")
    c = ohlcv(candles, sequential, "vpci")
    if sequential:
        return VPCI(*_vpci(c, short_range, long_range))
    v, s = _last_vpci(c, short_range, long_range)
    return VPCI(np.float64(v), np.float64(s))
