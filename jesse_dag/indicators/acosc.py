"""Acceleration / Deceleration oscillator (Bill Williams)."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

AC = namedtuple("AC", ["osc", "change"])


@numba.njit(cache=True)
def _acosc(high, low):
    n = high.shape[0]
    med = (high + low) / 2.0
    ao = _kernels.sma(med, 5) - _kernels.sma(med, 34)
    # the 5-bar mean of AO is NaN until 5 valid AO values exist (no NaN skipping here)
    ao_sma = np.full(n, np.nan)
    for i in range(4, n):
        acc = 0.0
        for k in range(i - 4, i + 1):
            acc += ao[k]
        ao_sma[i] = acc / 5.0
    osc = ao - ao_sma
    change = np.full(n, np.nan)
    for i in range(1, n):
        change[i] = osc[i] - osc[i - 1]
    return osc, change


@numba.njit(cache=True)
def _last_acosc(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _acosc(a0, a1)
    return r[0][-1], r[1][-1]


@numba.njit(cache=True)
def _last_acosc_rows(c, warm):
    # _last_acosc on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_acosc(w[:, HIGH], w[:, LOW])


def acosc(candles: np.ndarray, sequential: bool = False) -> AC:
    """AC(osc, change): AO minus its 5-bar SMA, and the one-bar change of that.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> bool(np.isfinite(acosc(candles_from_close_prices(np.linspace(100, 150, 60))).osc))
        True
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return AC(*map(_f64, _last_acosc_rows(candles, _warmup_now())))
    c = ohlcv(candles, sequential, "acosc")
    if not sequential:
        return AC(*map(_f64, _last_acosc(c[:, HIGH], c[:, LOW])))
    return AC(*_acosc(c[:, HIGH], c[:, LOW]))
