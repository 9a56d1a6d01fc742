"""CMO - Chande momentum oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _cmo_from(x, period, out):
    # rows period.. into ``out`` (every row, or with a 1-row ``out`` only the last one kept: the same
    # operations either way): running sums of the window's gains and losses, O(n) instead of re-adding
    # each window
    n = x.shape[0]
    keep_all = out.shape[0] == n
    up = 0.0
    dn = 0.0
    for k in range(1, period + 1):
        d = x[k] - x[k - 1]
        up += d if d > 0.0 else 0.0
        dn -= d if d < 0.0 else 0.0
    v = 0.0
    for i in range(period, n):
        if i > period:
            # selects, not branches: the sign of a price change is a coin flip for the branch predictor
            d = x[i] - x[i - 1]
            up += d if d > 0.0 else 0.0
            dn -= d if d < 0.0 else 0.0
            d = x[i - period] - x[i - period - 1]
            up -= d if d > 0.0 else 0.0
            dn += d if d < 0.0 else 0.0
        tot = up + dn
        v = 0.0 if tot == 0.0 else 100.0 * (up - dn) / tot
        if keep_all:
            out[i] = v
    if not keep_all:
        out[0] = v


@numba.njit(cache=True)
def _cmo(x, period):
    n = x.shape[0]
    out = np.empty(n)
    if n <= period:
        out[:] = np.nan
        return out
    out[:period] = np.nan
    _cmo_from(x, period, out)
    return out


@numba.njit(cache=True)
def _last_cmo(x, period):
    # _cmo(x, period)[-1] without the array: the same running sums, so the same bits
    if x.shape[0] <= period:
        return np.nan
    out = np.empty(1)
    _cmo_from(x, period, out)
    return out[0]


@numba.njit(cache=True)
def _last_cmo_src(c, code, warm, period):
    # _last_cmo on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_cmo(w[:, code], period)
    return _last_cmo(_kernels.derived_source(w, code), period)


def cmo(candles: np.ndarray, period: int = 14, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """CMO over the last ``period`` changes; 0 on a flat window.

    Example:
        >>> import numpy as np
        >>> cmo(np.arange(1.0, 30.0))
        np.float64(100.0)
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_cmo_src(candles, code, _warmup_now(), period))
    source = _core.source(slice_candles(candles, sequential), source_type)
    if not sequential:
        return _f64(_last_cmo(source, period))
    return _cmo(source, period)
