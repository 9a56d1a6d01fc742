"""WAD: Williams accumulation/distribution as Jesse 3.5.3 computes it (Jesse ``ta.wad``).

Jesse's kernel uses the *open* column where the textbook uses the close; reproduced as is.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW, OPEN
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _wad_step(cur, prev, high, low):
    # both candidates computed, then picked without a branch (the same values, so the same bits)
    up = cur - min(low, prev)
    down = cur - max(high, prev)
    return _kernels.pick(cur > prev, up, _kernels.pick(cur < prev, down, 0.0))


@numba.njit(cache=True)
def _wad(price, high, low):
    n = price.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    out[0] = 0.0
    cum = 0.0
    prev = price[0]
    for i in range(1, n):
        cur = price[i]
        cum += _wad_step(cur, prev, high[i], low[i])
        out[i] = cum
        prev = cur
    return out


@numba.njit(cache=True)
def _wad_rows(c):
    # _wad of 2-D candles read row by row with scalar loads (scalar_row), not through three strided column views
    n = c.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    out[0] = 0.0
    cum = 0.0
    prev = c[0, OPEN]
    for i in range(1, n):
        r = _kernels.scalar_row(np.uint64(i))
        cur = c[r, OPEN]
        cum += _wad_step(cur, prev, c[r, HIGH], c[r, LOW])
        out[i] = cum
        prev = cur
    return out


@numba.njit(cache=True)
def _last_wad(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _wad(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_wad_rows(c, warm):
    # _wad_rows(...)[-1] on Jesse's trailing ``warm`` rows, sliced here rather than in Python, without the array
    s0 = _kernels.window_start(c.shape[0], warm)
    cum = 0.0
    prev = c[s0, OPEN]
    for i in range(s0 + 1, c.shape[0]):
        r = _kernels.scalar_row(np.uint64(i))
        cur = c[r, OPEN]
        cum += _wad_step(cur, prev, c[r, HIGH], c[r, LOW])
        prev = cur
    return cum


def wad(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Cumulative Williams A/D (0 at row 0).

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1.0, 1, 2, 0.5, 1], [1, 2.0, 2, 3, 1.5, 1]])
        >>> wad(c, sequential=True).tolist()
        [0.0, 1.0]
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_wad_rows(candles, _warmup_now()))
    c = ohlcv(candles, sequential, "wad")
    if not sequential:
        return _f64(_last_wad(c[:, OPEN], c[:, HIGH], c[:, LOW]))
    return _wad_rows(c)
