"""DTI - William Blau's directional trend index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _dti_step(c, i, r, s, u, st):
    # row i (> 0) of the six EMA recurrences (state ``st``: three of the momentum, three of its absolute value),
    # each as _kernels.ema_alpha runs it; the row's value
    ar, as_, au = 2.0 / (r + 1.0), 2.0 / (s + 1.0), 2.0 / (u + 1.0)
    row = _kernels.scalar_row(i)
    hm = c[row, HIGH] - c[row - 1, HIGH]
    lm = c[row, LOW] - c[row - 1, LOW]
    xp = (hm if hm > 0.0 else 0.0) - (-lm if lm < 0.0 else 0.0)
    st[0] = ar * xp + (1.0 - ar) * st[0]
    st[1] = as_ * st[0] + (1.0 - as_) * st[1]
    st[2] = au * st[1] + (1.0 - au) * st[2]
    st[3] = ar * abs(xp) + (1.0 - ar) * st[3]
    st[4] = as_ * st[3] + (1.0 - as_) * st[4]
    st[5] = au * st[4] + (1.0 - au) * st[5]
    return st[2] * 100.0 / st[5] if st[5] != 0.0 else 0.0


@numba.njit(cache=True)
def _dti(c, r, s, u):
    # one pass over 2-D candles: the momentum and the six EMAs carried row to row (no arrays between them)
    n = c.shape[0]
    out = np.empty(n)
    if n <= r or n <= s or n <= u:
        out[:] = np.nan
        return out
    st = np.zeros(6)  # every EMA starts at the first row's momentum, 0
    out[0] = 0.0
    for i in range(1, n):
        out[i] = _dti_step(c, i, r, s, u, st)
    return out


@numba.njit(cache=True)
def _last_dti_rows(c, warm, r, s, u):
    # _dti(...)[-1] on Jesse's trailing ``warm`` rows (the fast lane), without the array
    s0 = _kernels.window_start(c.shape[0], warm)
    w = c[s0:]
    n = w.shape[0]
    if n <= r or n <= s or n <= u:
        return np.nan
    st = np.zeros(6)
    y = 0.0
    for i in range(1, n):
        y = _dti_step(w, i, r, s, u, st)
    return y


def dti(candles: np.ndarray, r: int = 14, s: int = 10, u: int = 5, sequential: bool = False) -> float | np.ndarray | None:
    """Triple-smoothed momentum over triple-smoothed absolute momentum, in percent.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> dti(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        np.True_
    """
    r, s, u = check_period(r, "r"), check_period(s, "s"), check_period(u, "u")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        y = _last_dti_rows(candles, _warmup_now(), r, s, u)
        return None if np.isnan(y) else _f64(y)
    c = ohlcv(candles, sequential, "dti")
    res = _dti(c, r, s, u)
    if sequential:
        return res
    return None if np.isnan(res[-1]) else _f64(res[-1])
