"""Moving average adaptive Q."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.indicators import _fastpath, _kernels
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _maaq(source, period, fast_period, slow_period):
    # drop NaN, filter, pad back; without NaN that is the filter on the source itself (no copies)
    for i in range(source.shape[0]):
        if np.isnan(source[i]):
            return k2.pad_front(k2.maaq(k2.drop_nan(source), period, fast_period, slow_period), source.shape[0])
    return k2.maaq(source, period, fast_period, slow_period)


@numba.njit(cache=True)
def _last_maaq(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _maaq(a0, a1, a2, a3)[-1]


@numba.njit(cache=True)
def _last_maaq_src(c, code, warm, a0, a1, a2):
    # _last_maaq on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_maaq(w[:, code], a0, a1, a2)
    return _last_maaq(_fastpath.derived_source(w, code), a0, a1, a2)


def maaq(candles: np.ndarray, period: int = 11, fast_period: int = 2, slow_period: int = 30,
         source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Adaptive average with ``((signal/noise) * fast_sc + slow_sc)^2`` as the smoothing constant.

    NaN in the source are dropped first and come back as leading NaN; the first ``period`` values are
    the source itself.

    Example:
        >>> import numpy as np
        >>> round(maaq(np.full(40, 7.0)), 9)
        7.0
    """
    period = check_period(period)
    fast_period = check_period(fast_period, "maaq: fast_period")
    slow_period = check_period(slow_period, "maaq: slow_period")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return float(_last_maaq_src(candles, code, _warmup_candles_num.get(), period, fast_period, slow_period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_maaq(source, period, fast_period, slow_period))
    res = _maaq(source, period, fast_period, slow_period)
    return res
