"""AO - Awesome oscillator (Bill Williams)."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

AO = namedtuple("AO", ["osc", "change"])


@numba.njit(cache=True)
def _ao(high, low):
    # SMA(5) - SMA(34) of the median price in one pass: each window's running total / count is updated
    # in exactly the order ``_kernels.sma`` uses (NaN skipped), so the values are the same
    n = high.shape[0]
    osc = np.empty(n)
    change = np.empty(n)
    t5 = 0.0
    c5 = 0
    t34 = 0.0
    c34 = 0
    prev = np.nan
    for i in range(n):
        x = (high[i] + low[i]) / 2.0
        if i >= 5:
            old = (high[i - 5] + low[i - 5]) / 2.0
            if not np.isnan(old):
                t5 -= old
                c5 -= 1
        if i >= 34:
            old = (high[i - 34] + low[i - 34]) / 2.0
            if not np.isnan(old):
                t34 -= old
                c34 -= 1
        if not np.isnan(x):
            t5 += x
            c5 += 1
            t34 += x
            c34 += 1
        s5 = t5 / c5 if (i >= 4 and c5 > 0) else np.nan
        s34 = t34 / c34 if (i >= 33 and c34 > 0) else np.nan
        osc[i] = s5 - s34
        change[i] = osc[i] - prev if i > 0 else np.nan
        prev = osc[i]
    return osc, change


@numba.njit(cache=True)
def _last_ao(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _ao(a0, a1)
    return r[0][-1], r[1][-1]


@numba.njit(cache=True)
def _last_ao_rows(c, warm):
    # _last_ao on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_ao(w[:, HIGH], w[:, LOW])


def ao(candles: np.ndarray, sequential: bool = False) -> AO:
    """AO(osc, change): SMA5(hl2) - SMA34(hl2) and its one-bar change.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> ao(candles_from_close_prices(np.linspace(100, 150, 60))).osc > 0
        np.True_
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return AO(*map(_f64, _last_ao_rows(candles, _warmup_now())))
    c = ohlcv(candles, sequential, "ao")
    if not sequential:
        return AO(*map(_f64, _last_ao(c[:, HIGH], c[:, LOW])))
    return AO(*_ao(c[:, HIGH], c[:, LOW]))
