"""CKSP - Chande Kroll stop."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

CKSP = namedtuple("CKSP", ["long", "short"])


@numba.njit(cache=True)
def _expanding_then_rolling(x, window, is_max):
    # Jesse's helper: running extreme over the first window-1 bars, then a full rolling window
    # (NaN inputs propagate, as numpy's max/min do)
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        start = i - window + 1 if i >= window - 1 else 0
        m = x[start]
        for k in range(start + 1, i + 1):
            v = x[k]
            if np.isnan(v) or np.isnan(m):
                m = np.nan
            elif (v > m) if is_max else (v < m):
                m = v
        out[i] = m
    return out


@numba.njit(cache=True)
def _cksp(high, low, close, p, x, q):
    n = high.shape[0]
    atr = _kernels.wilder(_kernels.true_range(high, low, close), p)
    ls0 = _expanding_then_rolling(high, q, True) - x * atr
    ss0 = _expanding_then_rolling(low, q, False) + x * atr
    return _expanding_then_rolling(ls0, q, True), _expanding_then_rolling(ss0, q, False)


@numba.njit(cache=True)
def _last_cksp(a0, a1, a2, a3, a4, a5):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _cksp(a0, a1, a2, a3, a4, a5)
    return r[0][-1], r[1][-1]


@numba.njit(cache=True)
def _last_cksp_rows(c, warm, a0, a1, a2):
    # _last_cksp on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_cksp(w[:, HIGH], w[:, LOW], w[:, CLOSE], a0, a1, a2)


def cksp(candles: np.ndarray, p: int = 10, x: float = 1.0, q: int = 9, sequential: bool = False) -> CKSP:
    """CKSP(long, short) stops.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> s = cksp(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> s.long < 150
        np.True_
    """
    p = check_period(p, "p")
    q = check_period(q, "q")
    x = check_number(x, "x")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return CKSP(*map(_f64, _last_cksp_rows(candles, _warmup_now(), p, x, q)))
    c = ohlcv(candles, sequential, "cksp")
    if not sequential:
        return CKSP(*map(_f64, _last_cksp(c[:, HIGH], c[:, LOW], c[:, CLOSE], p, x, q)))
    return CKSP(*_cksp(c[:, HIGH], c[:, LOW], c[:, CLOSE], p, x, q))
