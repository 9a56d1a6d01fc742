"""ALMA - Arnaud Legoux moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _alma(x, period, sigma, offset):
    n = x.shape[0]
    out = np.zeros(n)
    m = offset * (period - 1)
    s = period / sigma
    w = np.empty(period)
    wsum = 0.0
    for k in range(period):
        w[k] = np.exp(-((k - m) ** 2) / (2.0 * s * s))
        wsum += w[k]
    for i in range(period - 1, n):
        acc = 0.0
        for k in range(period):
            acc += x[i - period + 1 + k] * w[k]
        out[i] = acc
    for i in range(n):
        out[i] /= wsum
        # Jesse marks exact zeros (the warm-up rows) as NaN
        if out[i] == 0.0:
            out[i] = np.nan
    return out


@numba.njit(cache=True)
def _last_alma(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _alma(a0, a1, a2, a3)[-1]


@numba.njit(cache=True)
def _last_alma_src(c, code, warm, a0, a1, a2):
    # _last_alma on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_alma(w[:, code], a0, a1, a2)
    return _last_alma(_kernels.derived_source(w, code), a0, a1, a2)


def alma(candles: np.ndarray, period: int = 9, sigma: float = 6.0, distribution_offset: float = 0.85,
         source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Gaussian-weighted moving average; the warm-up rows are NaN.

    Example:
        >>> import numpy as np
        >>> round(alma(np.arange(1.0, 30.0)), 3)
        np.float64(27.443)
    """
    period = check_period(period)
    sigma = check_number(sigma, "sigma")
    distribution_offset = check_number(distribution_offset, "distribution_offset")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_alma_src(candles, code, _warmup_now(), period, sigma, distribution_offset))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_alma(source, period, sigma, distribution_offset))
    return _alma(source, period, sigma, distribution_offset)
