"""BBW - Bollinger Bands width: (upper - lower) / middle."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _bbw(x, period, mult):
    n = x.shape[0]
    out = np.empty(n)
    out[:min(period - 1, n)] = np.nan
    if n < period:
        return out
    # Jesse's rolling sums (old value out, new value in), variance = E[x^2] - mean^2;
    # the update order matters at 1e-9 because of the cancellation in the variance
    s = 0.0
    s2 = 0.0
    for i in range(period):
        s += x[i]
        s2 += x[i] * x[i]
    # the running sums (a chain of dependent additions) a block of rows at a time into small buffers, then the
    # block's bands in a loop without that chain (LLVM vectorizes its divisions and square roots)
    block = 256
    sb = np.empty(block)
    s2b = np.empty(block)
    i0 = period - 1
    while i0 < n:
        k = min(block, n - i0)
        for q in range(k):
            i = i0 + q
            if i >= period:
                old = x[i - period]
                s = s - old + x[i]
                s2 = s2 - old * old + x[i] * x[i]
            sb[q] = s
            s2b[q] = s2
        o = out[i0:i0 + k]
        for q in range(k):
            m = sb[q] / period
            sd = np.sqrt(s2b[q] / period - m * m)
            # a zero middle band leaves NaN, as Jesse does
            o[q] = ((m + mult * sd) - (m - mult * sd)) / m if m != 0.0 else np.nan
        i0 += k
    return out


@numba.njit(cache=True)
def _last_bbw(x, period, mult):
    # _bbw(x, period, mult)[-1] without the array: the same rolling sums, so the same bits
    n = x.shape[0]
    if n < period:
        return np.nan
    s = 0.0
    s2 = 0.0
    for i in range(period):
        s += x[i]
        s2 += x[i] * x[i]
    for i in range(period, n):
        old = x[i - period]
        s = s - old + x[i]
        s2 = s2 - old * old + x[i] * x[i]
    m = s / period
    sd = np.sqrt(s2 / period - m * m)
    return ((m + mult * sd) - (m - mult * sd)) / m if m != 0.0 else np.nan


@numba.njit(cache=True)
def _last_bbw_src(c, code, warm, a0, a1):
    # _last_bbw on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_bbw(w[:, code], a0, a1)
    return _last_bbw(_kernels.derived_source(w, code), a0, a1)


def bollinger_bands_width(candles: np.ndarray, period: int = 20, mult: float = 2.0, source_type: str = "close",
                          sequential: bool = False) -> float | np.ndarray:
    """Width of the SMA +/- ``mult`` standard deviation bands relative to the SMA.

    Example:
        >>> import numpy as np
        >>> bollinger_bands_width(np.arange(1.0, 41.0)) > 0
        np.True_
    """
    period = check_period(period)
    mult = check_number(mult, "mult")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_bbw_src(candles, code, _warmup_now(), period, mult))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_bbw(source, period, mult))
    return _bbw(source, period, mult)
