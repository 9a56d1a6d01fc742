"""RSX: Jurik's Relative Strength Xtra (Jesse ``ta.rsx``), a noise-free RSI from cascaded filters.

Rows before ``period`` are NaN; the first ``max(period-1, 5)`` computed rows are 50 while the filters
warm up.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _rsx_into(source, period, out):
    # rows period.. into ``out`` (every row, or with a 1-row ``out`` only the last one: the same operations,
    # the last row's value alone computed)
    n = source.shape[0]
    keep_all = out.shape[0] == n
    f0 = f8 = f18 = f20 = f28 = f30 = f38 = f40 = 0.0
    f48 = f50 = f58 = f60 = f68 = f70 = f78 = f80 = f88 = f90 = 0.0
    v14 = 0.0
    v20 = 0.0
    for i in range(period, n):
        if f90 == 0.0:
            f90 = 1.0
            f0 = 0.0
            f88 = period - 1.0 if period >= 6 else 5.0
            f8 = 100.0 * source[i]
            f18 = 3.0 / (period + 2.0)
            f20 = 1.0 - f18
        else:
            f90 = f88 + 1.0 if f88 <= f90 else f90 + 1.0
            f10 = f8
            f8 = 100.0 * source[i]
            v8 = f8 - f10
            f28 = f20 * f28 + f18 * v8
            f30 = f18 * f28 + f20 * f30
            vc = f28 * 1.5 - f30 * 0.5
            f38 = f20 * f38 + f18 * vc
            f40 = f18 * f38 + f20 * f40
            v10 = f38 * 1.5 - f40 * 0.5
            f48 = f20 * f48 + f18 * v10
            f50 = f18 * f48 + f20 * f50
            v14 = f48 * 1.5 - f50 * 0.5
            f58 = f20 * f58 + f18 * abs(v8)
            f60 = f18 * f58 + f20 * f60
            v18 = f58 * 1.5 - f60 * 0.5
            f68 = f20 * f68 + f18 * v18
            f70 = f18 * f68 + f20 * f70
            v1c = f68 * 1.5 - f70 * 0.5
            f78 = f20 * f78 + f18 * v1c
            f80 = f18 * f78 + f20 * f80
            v20 = f78 * 1.5 - f80 * 0.5
            if f88 >= f90 and f8 != f10:
                f0 = 1.0
            if f88 == f90 and f0 == 0.0:
                f90 = 0.0
        if keep_all or i == n - 1:
            v = 50.0
            if f88 < f90 and v20 > 1e-10:
                v = min(max((v14 / v20 + 1.0) * 50.0, 0.0), 100.0)
            out[i if keep_all else 0] = v


@numba.njit(cache=True)
def _rsx(source, period):
    out = np.full(source.shape[0], np.nan)
    _rsx_into(source, period, out)
    return out


@numba.njit(cache=True)
def _last_rsx(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    out = np.full(1, np.nan)
    if a0.shape[0] > 0:
        _rsx_into(a0, a1, out)
    return out[0]


@numba.njit(cache=True)
def _last_rsx_src(c, code, warm, a0):
    # _last_rsx on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_rsx(w[:, code], a0)
    return _last_rsx(_kernels.derived_source(w, code), a0)


def rsx(candles: np.ndarray, period: int = 14, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Relative Strength Xtra, 0..100.

    Example:
        >>> import numpy as np
        >>> rsx(np.arange(1.0, 40.0), period=5)
        np.float64(100.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_rsx_src(candles, code, _warmup_now(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_rsx(source, period))
    res = _rsx(source, period)
    return res
