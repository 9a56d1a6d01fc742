"""EDCF - Ehlers distance coefficient filter."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _edcf(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < 2 * period or period < 2:
        return out
    dist = np.zeros(n)
    # every row's distance summed in order (lb = 1, 2, ...), many rows at a time on slices indexed from 0
    # (LLVM vectorizes the loop over the rows): the same bits as one row at a time
    xc = np.ascontiguousarray(x)
    lanes = _kernels.LANES
    acc = np.empty(lanes)
    k0 = period - 1
    while k0 < n:
        m = min(lanes, n - k0)
        cur = xc[k0:k0 + m]
        acc[:m] = 0.0
        for lb in range(1, period):
            back = xc[k0 - lb:k0 - lb + m]
            for j in range(m):
                v = cur[j] - back[j]
                acc[j] += v * v
        for j in range(m):  # (a loop: slice assignment compiles numba's shape-error formatting, ~4 s cold)
            dist[k0 + j] = acc[j]
        k0 += m
    first = 2 * period
    num = 0.0
    coef = 0.0
    for k in range(first - period + 1, first + 1):
        num += dist[k] * x[k]
        coef += dist[k]
    if first < n:
        out[first] = num / coef if coef != 0.0 else 0.0
    # Jesse slides the window sums (subtract the old bar, then add the new one)
    for j in range(first + 1, n):
        num -= dist[j - period] * x[j - period]
        coef -= dist[j - period]
        num += dist[j] * x[j]
        coef += dist[j]
        out[j] = num / coef if coef != 0.0 else 0.0
    return out


@numba.njit(cache=True)
def _last_edcf(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _edcf(a0, a1)[-1]


@numba.njit(cache=True)
def _last_edcf_rows(c, code, warm, period):
    # _last_edcf on Jesse's trailing ``warm`` rows' source, built here rather than in Python (the fast lane)
    return _edcf(_kernels.window_source(c, code, warm), period)[-1]


def edcf(candles: np.ndarray, period: int = 15, source_type: str = "hl2", sequential: bool = False) -> float | np.ndarray:
    """Distance-weighted average; first value at row ``2*period``.

    Example:
        >>> import numpy as np
        >>> edcf(np.arange(1.0, 60.0)) > 50
        np.True_
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_edcf_rows(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_edcf(source, period))
    return _edcf(source, period)
