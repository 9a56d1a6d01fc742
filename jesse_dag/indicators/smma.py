"""SMMA: smoothed moving average as Jesse 3.5.3's ``ta.smma`` computes it.

Jesse's SMMA is the bias-corrected exponential mean with ``alpha = 1/period`` over the whole history:
``y_t = Σ (1-α)^(t-j) x_j / Σ (1-α)^(t-j)``, defined from row 0. Jesse evaluates it with powers of
``(1-α)`` that overflow past a few thousand rows (its output turns NaN there); this recursion gives the
same numbers without that limit.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _smma(source, period):
    n = source.shape[0]
    out = np.empty(n)
    decay = 1.0 - 1.0 / period
    num = 0.0
    den = 0.0
    for i in range(n):
        num = num * decay + source[i]
        den = den * decay + 1.0
        out[i] = num / den
    return out


@numba.njit(cache=True)
def _last_smma(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _smma(a0, a1)[-1]


@numba.njit(cache=True)
def _last_smma_src(c, code, warm, a0):
    # _last_smma on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_smma(w[:, code], a0)
    return _last_smma(_kernels.derived_source(w, code), a0)


def smma(candles: np.ndarray, period: int = 5, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Smoothed moving average (bias-corrected EMA with alpha ``1/period``).

    Example:
        >>> import numpy as np
        >>> smma(np.array([2.0, 2.0, 2.0]), period=5)
        np.float64(2.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_smma_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_smma(source, period))
    res = _smma(source, period)
    return res
