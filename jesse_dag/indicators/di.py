"""DI - directional indicators +DI and -DI (Wilder)."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

DI = namedtuple("DI", ["plus", "minus"])


@numba.njit(cache=True)
def _di(high, low, close, period):
    n = high.shape[0]
    plus = np.full(n, np.nan)
    minus = np.full(n, np.nan)
    if n < 2 or n < period + 1:
        return plus, minus
    s_tr = 0.0
    s_p = 0.0
    s_m = 0.0
    for i in range(1, n):
        tr = max(high[i] - low[i], max(abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1])))
        up = high[i] - high[i - 1]
        dn = low[i - 1] - low[i]
        pdm = up if (up > dn and up > 0.0) else 0.0
        mdm = dn if (dn > up and dn > 0.0) else 0.0
        if i <= period:
            s_tr += tr
            s_p += pdm
            s_m += mdm
        else:
            s_tr = (s_tr * (period - 1) + tr) / period
            s_p = (s_p * (period - 1) + pdm) / period
            s_m = (s_m * (period - 1) + mdm) / period
        if i >= period:
            if s_tr > 0.0:
                plus[i] = 100.0 * s_p / s_tr
                minus[i] = 100.0 * s_m / s_tr
            else:
                plus[i] = 0.0
                minus[i] = 0.0
    return plus, minus


@numba.njit(cache=True)
def _last_di(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _di(a0, a1, a2, a3)
    return r[0][-1], r[1][-1]


@numba.njit(cache=True)
def _last_di_rows(c, warm, period):
    # _di(...) at its last row on Jesse's trailing ``warm`` rows of 2-D candles: the same recurrence read
    # straight from the rows (no column views, no arrays)
    n = c.shape[0]
    s0 = _kernels.window_start(n, warm)
    if n - s0 < 2 or n - s0 < period + 1:
        return np.nan, np.nan
    s_tr = 0.0
    s_p = 0.0
    s_m = 0.0
    for i in range(s0 + 1, n):
        tr, pdm, mdm = _kernels.true_range_dm_at(c, i)
        if i - s0 <= period:
            s_tr += tr
            s_p += pdm
            s_m += mdm
        else:
            s_tr = (s_tr * (period - 1) + tr) / period
            s_p = (s_p * (period - 1) + pdm) / period
            s_m = (s_m * (period - 1) + mdm) / period
    if s_tr > 0.0:
        return 100.0 * s_p / s_tr, 100.0 * s_m / s_tr
    return 0.0, 0.0


def di(candles: np.ndarray, period: int = 14, sequential: bool = False) -> DI:
    """DI(plus, minus); first value at row ``period``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> r = di(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> r.plus > r.minus
        np.True_
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return DI(*map(_f64, _last_di_rows(candles, _warmup_now(), period)))
    c = ohlcv(candles, sequential, "di")
    if not sequential:
        return DI(*map(_f64, _last_di(c[:, HIGH], c[:, LOW], c[:, CLOSE], period)))
    return DI(*_di(c[:, HIGH], c[:, LOW], c[:, CLOSE], period))
