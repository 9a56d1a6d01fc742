"""Gaussian filter (Ehlers, *Rocket Science for Traders*, ch. 15)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_filters, _kernels_series
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _gauss(source, period, poles):
    # drop NaN, filter, pad back; without NaN that is the filter on the source itself (no copies)
    for i in range(source.shape[0]):
        if np.isnan(source[i]):
            return _kernels_series.pad_front(_kernels_filters.gauss_filter(_kernels_series.drop_nan(source), period, poles), source.shape[0])
    return _kernels_filters.gauss_filter(source, period, poles)


@numba.njit(cache=True)
def _last_gauss(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _gauss(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_gauss_src(c, code, warm, a0, a1):
    # _last_gauss on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_gauss(w[:, code], a0, a1)
    return _last_gauss(_kernels.derived_source(w, code), a0, a1)


def gauss(candles: np.ndarray, period: int = 14, poles: int = 4, source_type: str = "close",
          sequential: bool = False) -> float | np.ndarray:
    """Gaussian filter with 1 to 4 poles; NaN in the source are skipped and come back as leading NaN.

    Example:
        >>> import numpy as np
        >>> round(gauss(np.full(200, 10.0)), 6)
        np.float64(10.0)
    """
    period = check_period(period)
    if poles not in (1, 2, 3, 4):
        raise ValueError(f"gauss: poles must be 1, 2, 3 or 4, got {poles!r}")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_gauss_src(candles, code, _warmup_now(), period, int(poles)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_gauss(source, period, int(poles)))
    res = _gauss(source, period, int(poles))
    return res
