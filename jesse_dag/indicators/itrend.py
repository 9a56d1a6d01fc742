"""Ehlers' instantaneous trendline."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.indicators import _fastpath, _kernels
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_number, source_of

ITREND = namedtuple("ITREND", ["signal", "it", "trigger"])


@numba.njit(cache=True)
def _last_itrend(source, alpha):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    signal, it, trigger = k2.itrend(source, alpha)
    return signal[-1], it[-1], trigger[-1]


@numba.njit(cache=True)
def _last_itrend_src(c, code, warm, a0):
    # _last_itrend on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_itrend(w[:, code], a0)
    return _last_itrend(_fastpath.derived_source(w, code), a0)


def itrend(candles: np.ndarray, alpha: float = 0.07, source_type: str = "hl2", sequential: bool = False) -> ITREND:
    """Instantaneous trendline ``it``, ``trigger = 2*it - it[-20]`` and ``signal = sign(trigger - it)``.

    Example:
        >>> import numpy as np
        >>> itrend(np.arange(1.0, 100.0)).signal
        1.0
    """
    alpha = check_number(alpha, "itrend: alpha")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return ITREND(*map(float, _last_itrend_src(candles, code, _warmup_candles_num.get(), alpha)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return ITREND(*map(float, _last_itrend(source, alpha)))
    return ITREND(*k2.itrend(source, alpha))
