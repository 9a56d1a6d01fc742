"""ULTOSC: Ultimate Oscillator (Jesse ``ta.ultosc``) from buying pressure over true range on 3 windows."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv
from jesse_dag.indicators._kernels import rolling_sum

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _ultosc(high, low, close, p1, p2, p3):
    n = high.shape[0]
    bp = np.empty(n)
    tr = np.empty(n)
    bp[0] = 0.0
    tr[0] = high[0] - low[0]
    for i in range(1, n):
        lo = min(low[i], close[i - 1])
        bp[i] = close[i] - lo
        tr[i] = max(high[i], close[i - 1]) - lo
    sb1 = rolling_sum(bp, p1)
    st1 = rolling_sum(tr, p1)
    sb2 = rolling_sum(bp, p2)
    st2 = rolling_sum(tr, p2)
    sb3 = rolling_sum(bp, p3)
    st3 = rolling_sum(tr, p3)
    out = np.empty(n)
    for i in range(n):
        a1 = sb1[i] / st1[i] if st1[i] != 0.0 else np.nan
        a2 = sb2[i] / st2[i] if st2[i] != 0.0 else np.nan
        a3 = sb3[i] / st3[i] if st3[i] != 0.0 else np.nan
        out[i] = 100.0 * (4.0 * a1 + 2.0 * a2 + a3) / 7.0
    return out


@numba.njit(cache=True)
def _last_ultosc(a0, a1, a2, a3, a4, a5):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _ultosc(a0, a1, a2, a3, a4, a5)[-1]


@numba.njit(cache=True)
def _last_ultosc_rows(c, warm, a0, a1, a2):
    # _last_ultosc on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_ultosc(w[:, HIGH], w[:, LOW], w[:, CLOSE], a0, a1, a2)


def ultosc(candles: np.ndarray, timeperiod1: int = 7, timeperiod2: int = 14, timeperiod3: int = 28,
           sequential: bool = False) -> float | np.ndarray:
    """Ultimate Oscillator, 0..100; NaN until the longest window is full.

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1, 2.0, 2.0, 1.0, 1], [1, 1, 3.0, 3.0, 2.0, 1]])
        >>> ultosc(c, 1, 1, 1)
        np.float64(100.0)
    """
    p1 = check_period(timeperiod1, "timeperiod1")
    p2 = check_period(timeperiod2, "timeperiod2")
    p3 = check_period(timeperiod3, "timeperiod3")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_ultosc_rows(candles, _warmup_now(), p1, p2, p3))
    c = ohlcv(candles, sequential, "ultosc")
    if not sequential:
        return _f64(_last_ultosc(c[:, HIGH], c[:, LOW], c[:, CLOSE], p1, p2, p3))
    res = _ultosc(c[:, HIGH], c[:, LOW], c[:, CLOSE], p1, p2, p3)
    return res
