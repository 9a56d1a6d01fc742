"""TRIX (Jesse ``ta.trix``): one-bar change of a triple EMA of ``log(price)``, × 10000; row 0 is NaN."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _trix_into(source, period, out):
    # the log, the three EMAs (ema_alpha's operations, seeded with the first row) and the one-row change in
    # one pass, no temporary arrays: the same bits. Every row from 1 into ``out``, or with a 1-row ``out``
    # only the last
    n = source.shape[0]
    keep_all = out.shape[0] == n
    alpha = 2.0 / (period + 1.0)
    e1 = e2 = e3 = np.log(source[0])
    v = np.nan
    for i in range(1, n):
        prev = e3
        e1 = alpha * np.log(source[i]) + (1.0 - alpha) * e1
        e2 = alpha * e1 + (1.0 - alpha) * e2
        e3 = alpha * e2 + (1.0 - alpha) * e3
        v = (e3 - prev) * 10000.0
        if keep_all:
            out[i] = v
    if not keep_all:
        out[0] = v


@numba.njit(cache=True)
def _trix(source, period):
    out = np.full(source.shape[0], np.nan)
    if source.shape[0] > 0:
        _trix_into(source, period, out)
    return out


@numba.njit(cache=True)
def _last_trix(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    out = np.full(1, np.nan)
    if a0.shape[0] > 1:
        _trix_into(a0, a1, out)
    return out[0]


@numba.njit(cache=True)
def _last_trix_src(c, code, warm, a0):
    # _last_trix on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_trix(w[:, code], a0)
    return _last_trix(_kernels.derived_source(w, code), a0)


def trix(candles: np.ndarray, period: int = 18, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """TRIX in basis points per bar.

    Example:
        >>> import numpy as np
        >>> trix(np.full(5, 2.0))
        np.float64(0.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_trix_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_trix(source, period))
    res = _trix(source, period)
    return res
