"""DM - Wilder-smoothed directional movement +DM / -DM."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

DM = namedtuple("DM", ["plus", "minus"])


@numba.njit(cache=True)
def _dm(high, low, period):
    n = high.shape[0]
    plus = np.full(n, np.nan)
    minus = np.full(n, np.nan)
    if n <= period:
        return plus, minus
    sp = 0.0
    sm = 0.0
    for i in range(1, n):
        up = high[i] - high[i - 1]
        dn = low[i - 1] - low[i]
        pdm = up if (up > dn and up > 0.0) else 0.0
        mdm = dn if (dn > up and dn > 0.0) else 0.0
        if i <= period:
            sp += pdm
            sm += mdm
        else:
            sp = sp - sp / period + pdm
            sm = sm - sm / period + mdm
        if i >= period:
            plus[i] = sp
            minus[i] = sm
    return plus, minus


@numba.njit(cache=True)
def _last_dm(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _dm(a0, a1, a2)
    return r[0][-1], r[1][-1]


@numba.njit(cache=True)
def _last_dm_rows(c, warm, a0):
    # _last_dm on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_dm(w[:, HIGH], w[:, LOW], a0)


def dm(candles: np.ndarray, period: int = 14, sequential: bool = False) -> DM:
    """DM(plus, minus): Wilder sums of +DM and -DM; first value at row ``period``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> r = dm(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> r.plus > r.minus
        np.True_
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return DM(*map(_f64, _last_dm_rows(candles, _warmup_now(), period)))
    c = ohlcv(candles, sequential, "dm")
    if not sequential:
        return DM(*map(_f64, _last_dm(c[:, HIGH], c[:, LOW], period)))
    return DM(*_dm(c[:, HIGH], c[:, LOW], period))
