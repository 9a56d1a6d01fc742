"""Ehlers' instantaneous trendline."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_number, source_of

ITREND = namedtuple("ITREND", ["signal", "it", "trigger"])


@numba.njit(cache=True)
def _last_itrend(source, alpha):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    signal, it, trigger = k2.itrend(source, alpha)
    return signal[-1], it[-1], trigger[-1]


def itrend(candles: np.ndarray, alpha: float = 0.07, source_type: str = "hl2", sequential: bool = False) -> ITREND:
    """Instantaneous trendline ``it``, ``trigger = 2*it - it[-20]`` and ``signal = sign(trigger - it)``.

    Example:
        >>> import numpy as np
        >>> itrend(np.arange(1.0, 100.0)).signal
        1.0
    """
    alpha = check_number(alpha, "itrend: alpha")
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return ITREND(*map(float, _last_itrend(source, alpha)))
    return ITREND(*k2.itrend(source, alpha))
