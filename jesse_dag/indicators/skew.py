"""Skewness of each trailing window (Jesse ``ta.skew``, i.e. ``scipy.stats.skew`` with bias)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

_EPS = float(np.finfo(np.float64).eps)


@numba.njit(cache=True)
def _skew(source, period, eps):
    n = source.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    for i in range(period - 1, n):
        mean = 0.0
        for k in range(i - period + 1, i + 1):
            mean += source[k]
        mean /= period
        m2 = 0.0
        m3 = 0.0
        for k in range(i - period + 1, i + 1):
            d = source[k] - mean
            m2 += d * d
            m3 += d * d * d
        m2 /= period
        m3 /= period
        # scipy answers NaN for a (numerically) constant window
        if m2 <= (eps * mean) ** 2:
            out[i] = np.nan
        else:
            out[i] = m3 / m2 ** 1.5
    return out


@numba.njit(cache=True)
def _last_skew(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _skew(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_skew_src(c, code, warm, a0, a1):
    # _last_skew on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_skew(w[:, code], a0, a1)
    return _last_skew(_kernels.derived_source(w, code), a0, a1)


def skew(candles: np.ndarray, period: int = 5, source_type: str = "hl2",
         sequential: bool = False) -> float | np.ndarray:
    """Biased sample skewness ``m3 / m2^1.5``; the first ``period - 1`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> skew(np.array([1.0, 2.0, 3.0]), period=3)
        np.float64(0.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_skew_src(candles, code, _warmup_now(), period, _EPS))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_skew(source, period, _EPS))
    res = _skew(source, period, _EPS)
    return res
