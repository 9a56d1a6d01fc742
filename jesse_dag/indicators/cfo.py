"""CFO - Chande forecast oscillator: distance of the price from its linear-regression forecast."""
from __future__ import annotations

import math

import numba
import numpy as np

from jesse_dag.indicators import _core
from jesse_dag.indicators._core import check_number, check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _cfo(x, period, scalar):
    # Jesse keeps rolling sums A = sum(x) and B = sum(k * x[k]) with absolute bar numbers k; the
    # forecast is a small difference of large numbers, so the same sums are needed for 1e-9 agreement
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    pf = float(period)
    sx = 0.0
    sxx = 0.0
    for j in range(period):
        sx += j
        sxx += j * j
    denom = pf * sxx - sx * sx
    a = 0.0
    b = 0.0
    for k in range(period):
        a += x[k]
        b += k * x[k]
    for i in range(period - 1, n):
        if i >= period:
            k = i - period
            a += x[i] - x[k]
            b += i * x[i] - k * x[k]
        sxy = b - (i - pf + 1.0) * a
        slope = (pf * sxy - sx * a) / denom
        forecast = (a - slope * sx) / pf + slope * (pf - 1.0)
        if x[i] != 0.0:
            out[i] = scalar * (x[i] - forecast) / x[i]
    return out


@numba.njit(cache=True)
def _last_cfo(x, period, scalar):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _cfo(x, period, scalar)[-1]


def cfo(candles: np.ndarray, period: int = 14, scalar: float = 100, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray | None:
    """``scalar * (x - forecast) / x``; the non-sequential value is None where Jesse's is NaN.

    Example:
        >>> import numpy as np
        >>> abs(cfo(np.linspace(100.0, 200.0, 60))) < 1e-9
        np.True_
    """
    period = check_period(period)
    scalar = check_number(scalar, "scalar")
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        v = _last_cfo(source, period, scalar)
        return None if math.isnan(v) else _f64(v)
    return _cfo(source, period, scalar)
