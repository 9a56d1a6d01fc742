"""QStick."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, OPEN
from jesse_dag.indicators import _kernels, _kernels_bars
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_qstick(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    # each row depends on its own window only, so the last value comes from the last window's rows alone
    t = max(0, a0.shape[0] - a2)
    return _kernels_bars.qstick(a0[t:], a1[t:], a2)[-1]


@numba.njit(cache=True)
def _last_qstick_rows(c, warm, a0):
    # _last_qstick on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_qstick(w[:, OPEN], w[:, CLOSE], a0)


@numba.njit(cache=True)
def _qstick_rows(c, period):
    # _kernels_bars.qstick on 2-D candles in one pass: ``close - open`` of a block of rows (plus the window's period - 1
    # rows before it) into a small buffer, then every window of the block summed oldest first from 0.0, all
    # the block's windows at a time (the same additions as _kernels_bars.qstick's, so the same bits); the rows are read
    # with scalar loads (LLVM's gathers of the two strided columns are slower) and the output written once
    n = c.shape[0]
    out = np.empty(n)
    if n < period:
        out[:] = 0.0
        return out
    out[:period - 1] = 0.0
    block = 256  # rows per block: the buffer stays in L1
    inv = 1.0 / period  # (as _kernels_bars.qstick: times the reciprocal, as Jesse does)
    d = np.empty(block + period - 1)
    i0 = period - 1
    while i0 < n:
        m = min(block, n - i0)
        b = i0 - period + 1
        for k in range(m + period - 1):
            # an unsigned row: numba adds no negative-index wraparound to the two loads
            r = _kernels.scalar_row(np.uint64(b + k))
            d[k] = c[r, CLOSE] - c[r, OPEN]
        o = out[i0:i0 + m]
        if period == 1:
            for q in range(m):
                o[q] = (0.0 + d[q]) * inv
        else:
            for q in range(m):
                o[q] = 0.0 + d[q]
            for t in range(1, period - 1):
                ds = d[t:t + m]
                for q in range(m):
                    o[q] += ds[q]
            ds = d[period - 1:period - 1 + m]
            for q in range(m):
                o[q] = (o[q] + ds[q]) * inv
        i0 += m
    return out


def qstick(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Mean of ``close - open`` over ``period`` rows; 0.0 (not NaN) before the first full window.

    Example:
        >>> import numpy as np
        >>> qstick(np.array([[0, 1.0, 2.0, 2, 1, 1]] * 5))
        np.float64(1.0)
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_qstick_rows(candles, _warmup_now(), period))
    c = ohlcv(candles, sequential, "qstick")
    if not sequential:
        return _f64(_last_qstick(c[:, OPEN], c[:, CLOSE], period))
    return _qstick_rows(c, period)
