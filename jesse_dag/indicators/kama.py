"""Kaufman adaptive moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_averages
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_kama(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_averages.kama_last(a0, a1, a2, a3)


@numba.njit(cache=True)
def _last_kama_src(c, code, warm, a0, a1, a2):
    # _last_kama on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_kama(w[:, code], a0, a1, a2)
    return _last_kama(_kernels.derived_source(w, code), a0, a1, a2)


def kama(candles: np.ndarray, period: int = 14, fast_length: int = 2, slow_length: int = 30,
         source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """KAMA: the efficiency ratio picks a smoothing between the fast and slow EMA constants.

    The first ``period`` values are the source itself (all of them if there are no more).

    Example:
        >>> import numpy as np
        >>> round(kama(np.arange(1.0, 60.0)), 3) < 59
        np.True_
    """
    period = check_period(period)
    fast_length = check_period(fast_length, "kama: fast_length")
    slow_length = check_period(slow_length, "kama: slow_length")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_kama_src(candles, code, _warmup_now(), period, fast_length, slow_length))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_kama(source, period, fast_length, slow_length))
    return _kernels_averages.kama(source, period, fast_length, slow_length)
