"""Moving average adaptive Q."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_averages, _kernels_series
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _maaq_no_nan(x, period, fast_period, slow_period):
    # _kernels_averages.maaq in one pass over the source, and whether it holds a NaN (then the result is not used): each block
    # of rows is copied (scalar loads, not LLVM's gathers of a strided column) with the ``period`` rows before
    # it, their |changes| taken, every window's noise summed oldest first from 0.0 for the whole block at a
    # time (_kernels_averages.maaq's additions, so the same bits) and the filter run on; the output is written once
    n = x.shape[0]
    out = np.empty(n)
    fast_sc = 2.0 / (fast_period + 1.0)
    slow_sc = 2.0 / (slow_period + 1.0)
    has_nan = False
    for i in range(min(period, n)):
        v = x[_kernels.scalar_row(i)]
        has_nan |= np.isnan(v)
        out[i] = v
    if period >= n:
        return out, has_nan
    block = 256  # rows per block: the buffers stay in L1
    xb = np.empty(block + period)
    moves = np.empty(block + period - 1)
    noise = np.empty(block)
    prev = out[period - 1]
    i0 = period
    while i0 < n:
        k = min(block, n - i0)
        b = i0 - period
        for j in range(k + period):
            v = x[_kernels.scalar_row(b + j)]
            has_nan |= np.isnan(v)
            xb[j] = v
        for j in range(k + period - 1):  # |x[r] - x[r-1]| for the rows r = b+1 .. i0+k-1
            moves[j] = abs(xb[j + 1] - xb[j])
        noise[:k] = 0.0
        for t in range(period):
            ms = moves[t:t + k]
            for q in range(k):
                noise[q] += ms[q] * 1.0
        o = out[i0:i0 + k]
        for q in range(k):
            nz = noise[q]
            xi = xb[q + period]
            ratio = abs(xi - xb[q]) / nz if nz != 0.0 else 0.0
            temp = (ratio * fast_sc + slow_sc) ** 2
            y = prev + temp * (xi - prev)
            o[q] = y
            prev = y
        i0 += k
    return out, has_nan


@numba.njit(cache=True)
def _maaq(source, period, fast_period, slow_period):
    # drop NaN, filter, pad back; without NaN that is the filter on the source itself (no copies)
    out, has_nan = _maaq_no_nan(source, period, fast_period, slow_period)
    if has_nan:
        return _kernels_series.pad_front(_kernels_averages.maaq(_kernels_series.drop_nan(source), period, fast_period, slow_period), source.shape[0])
    return out


@numba.njit(cache=True)
def _last_maaq(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _maaq(a0, a1, a2, a3)[-1]


@numba.njit(cache=True)
def _last_maaq_src(c, code, warm, a0, a1, a2):
    # _last_maaq on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_maaq(w[:, code], a0, a1, a2)
    return _last_maaq(_kernels.derived_source(w, code), a0, a1, a2)


def maaq(candles: np.ndarray, period: int = 11, fast_period: int = 2, slow_period: int = 30,
         source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Adaptive average with ``((signal/noise) * fast_sc + slow_sc)^2`` as the smoothing constant.

    NaN in the source are dropped first and come back as leading NaN; the first ``period`` values are
    the source itself.

    Example:
        >>> import numpy as np
        >>> round(maaq(np.full(40, 7.0)), 9)
        np.float64(7.0)
    """
    period = check_period(period)
    fast_period = check_period(fast_period, "maaq: fast_period")
    slow_period = check_period(slow_period, "maaq: slow_period")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_maaq_src(candles, code, _warmup_now(), period, fast_period, slow_period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_maaq(source, period, fast_period, slow_period))
    res = _maaq(source, period, fast_period, slow_period)
    return res
