"""SafeZone stops (Jesse ``ta.safezonestop``).

Directional movement smoothed by ``dm = (1 - 1/period)·dm[-1] + raw``; the long stop is
``low[-1] - mult·minus_dm`` and the short stop ``high[-1] + mult·plus_dm``, then the max (long) or min
(short) over the last ``max_lookback`` rows. Row 0's raw stop is 0, as in Jesse.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _safezonestop(high, low, period, mult, max_lookback, is_long):
    n = high.shape[0]
    alpha = 1.0 - 1.0 / period
    plus_dm = 0.0
    minus_dm = 0.0
    stop = np.zeros(n)
    for i in range(1, n):
        dh = high[i] - high[i - 1]
        dl = low[i - 1] - low[i]
        if np.isnan(dh):
            dh = 0.0
        if np.isnan(dl):
            dl = 0.0
        raw_plus = dh if (dh > dl and dh > 0.0) else 0.0
        raw_minus = dl if (dl > dh and dl > 0.0) else 0.0
        plus_dm = alpha * plus_dm + raw_plus
        minus_dm = alpha * minus_dm + raw_minus
        if is_long:
            stop[i] = low[i - 1] - mult * minus_dm
        else:
            stop[i] = high[i - 1] + mult * plus_dm
    out = np.empty(n)
    for i in range(n):
        start = max(0, i - (max_lookback - 1))
        best = -np.inf if is_long else np.inf
        for k in range(start, i + 1):
            # f64::max / f64::min ignore NaN, keep that
            if is_long:
                if stop[k] > best or np.isnan(best):
                    best = stop[k] if not np.isnan(stop[k]) else best
            else:
                if stop[k] < best or np.isnan(best):
                    best = stop[k] if not np.isnan(stop[k]) else best
        out[i] = best
    return out


@numba.njit(cache=True)
def _last_safezonestop(a0, a1, a2, a3, a4, a5):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _safezonestop(a0, a1, a2, a3, a4, a5)[-1]


@numba.njit(cache=True)
def _last_safezonestop_rows(c, warm, a0, a1, a2, a3):
    # _last_safezonestop on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_safezonestop(w[:, HIGH], w[:, LOW], a0, a1, a2, a3)


def safezonestop(candles: np.ndarray, period: int = 22, mult: float = 2.5, max_lookback: int = 3,
                 direction: str = "long", sequential: bool = False) -> float | np.ndarray:
    """SafeZone stop for ``direction`` ``"long"`` (anything else is short, as in Jesse).

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1, 1, 2.0, 1.0, 1], [1, 1, 1, 3.0, 2.0, 1], [2, 1, 1, 4.0, 1.5, 1]])
        >>> safezonestop(c, period=2, mult=1.0, max_lookback=1, sequential=True).tolist()
        [0.0, 1.0, 2.0]
    """
    period = check_period(period)
    max_lookback = check_period(max_lookback, "max_lookback")
    mult = check_number(mult, "mult")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_safezonestop_rows(candles, _warmup_now(), period, mult, max_lookback,
                                             direction == 'long'))
    c = ohlcv(candles, sequential, "safezonestop")
    if not sequential:
        return _f64(_last_safezonestop(c[:, HIGH], c[:, LOW], period, mult, max_lookback, direction == 'long'))
    res = _safezonestop(c[:, HIGH], c[:, LOW], period, mult, max_lookback, direction == "long")
    return res
