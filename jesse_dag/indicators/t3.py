"""T3: Tillson's T3 moving average (Jesse ``ta.t3``): six chained EMAs mixed by the volume factor."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _t3_run(source, period, vfactor, out):
    # the six EMAs and T3's weighted sum per row into ``out`` (every row, or with a 1-row ``out`` only the
    # last one kept: the same operations either way, so the same bits)
    n = source.shape[0]
    keep_all = out.shape[0] == n
    k = 2.0 / (period + 1.0)
    k_rev = 1.0 - k
    w1 = -vfactor ** 3
    w2 = 3.0 * vfactor ** 2 + 3.0 * vfactor ** 3
    w3 = -6.0 * vfactor ** 2 - 3.0 * vfactor - 3.0 * vfactor ** 3
    w4 = 1.0 + 3.0 * vfactor + vfactor ** 3 + 3.0 * vfactor ** 2
    e1 = e2 = e3 = e4 = e5 = e6 = source[0]
    out[0] = w1 * e6 + w2 * e5 + w3 * e4 + w4 * e3
    for i in range(1, n):
        e1 = k * source[i] + k_rev * e1
        e2 = k * e1 + k_rev * e2
        e3 = k * e2 + k_rev * e3
        e4 = k * e3 + k_rev * e4
        e5 = k * e4 + k_rev * e5
        e6 = k * e5 + k_rev * e6
        if keep_all:
            out[i] = w1 * e6 + w2 * e5 + w3 * e4 + w4 * e3
    if not keep_all:
        out[0] = w1 * e6 + w2 * e5 + w3 * e4 + w4 * e3


@numba.njit(cache=True)
def _t3(source, period, vfactor):
    n = source.shape[0]
    out = np.empty(n)
    if n > 0:
        _t3_run(source, period, vfactor, out)
    return out


@numba.njit(cache=True)
def _last_t3(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    if a0.shape[0] == 0:
        return np.nan
    out = np.empty(1)
    _t3_run(a0, a1, a2, out)
    return out[0]


@numba.njit(cache=True)
def _last_t3_src(c, code, warm, a0, a1):
    # _last_t3 on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_t3(w[:, code], a0, a1)
    return _last_t3(_kernels.derived_source(w, code), a0, a1)


def t3(candles: np.ndarray, period: int = 5, vfactor: float = 0, source_type: str = "close",
       sequential: bool = False) -> float | np.ndarray:
    """T3 moving average, defined from row 0.

    Example:
        >>> import numpy as np
        >>> t3(np.array([2.0, 2.0, 2.0]), period=3)
        np.float64(2.0)
    """
    period = check_period(period)
    vfactor = check_number(vfactor, "vfactor")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_t3_src(candles, code, _warmup_now(), period, vfactor))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_t3(source, period, vfactor))
    res = _t3(source, period, vfactor)
    return res
