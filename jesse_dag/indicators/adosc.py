"""ADOSC - Chaikin A/D oscillator: fast EMA minus slow EMA of the A/D line."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW, VOLUME
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _adosc_into(c, s0, fast, slow, out):
    # rows s0.. of 2-D candles in one pass with scalar loads (scalar_row), no temporary arrays: the money flow
    # volume, its running sum (from 0.0, as np.cumsum adds) and both EMAs as ema_alpha runs them. Every row
    # into ``out``, or with a 1-row ``out`` only the last one
    n = c.shape[0] - s0
    keep_all = out.shape[0] == n
    af = 2.0 / (fast + 1.0)
    a_s = 2.0 / (slow + 1.0)
    line = 0.0
    ef = 0.0
    es = 0.0
    for i in range(n):
        r = _kernels.scalar_row(np.uint64(s0 + i))
        h = c[r, HIGH]
        lw = c[r, LOW]
        cl = c[r, CLOSE]
        rng = h - lw
        mult = ((cl - lw) - (h - cl)) / rng if rng != 0.0 else 0.0
        line += mult * c[r, VOLUME]
        if i == 0:
            ef = line
            es = line
        else:
            ef = af * line + (1.0 - af) * ef
            es = a_s * line + (1.0 - a_s) * es
        if keep_all:
            out[i] = ef - es
    if not keep_all:
        out[0] = ef - es


@numba.njit(cache=True)
def _last_adosc_rows(c, warm, fast, slow):
    # the last value on Jesse's trailing ``warm`` rows of 2-D candles (the fast lane)
    s0 = _kernels.window_start(c.shape[0], warm)
    out = np.empty(1)
    _adosc_into(c, s0, fast, slow, out)
    return out[0]


@numba.njit(cache=True)
def _adosc_rows(c, fast, slow):
    out = np.empty(c.shape[0])
    if c.shape[0] > 0:
        _adosc_into(c, 0, fast, slow, out)
    return out


def adosc(candles: np.ndarray, fast_period: int = 3, slow_period: int = 10,
          sequential: bool = False) -> float | np.ndarray:
    """EMAs seeded at the first A/D value, no NaN warm-up.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> isinstance(adosc(candles_from_close_prices(np.linspace(100, 150, 60))), float)
        True
    """
    fast_period = check_period(fast_period, "fast_period")
    slow_period = check_period(slow_period, "slow_period")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_adosc_rows(candles, _warmup_now(), fast_period, slow_period))
    c = np.ascontiguousarray(ohlcv(candles, sequential, "adosc"))
    if not sequential:
        return _f64(_last_adosc_rows(c, 0, fast_period, slow_period))
    return _adosc_rows(c, fast_period, slow_period)
