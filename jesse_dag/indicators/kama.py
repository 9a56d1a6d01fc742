"""Kaufman adaptive moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _last_k2_kama(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return k2.kama(a0, a1, a2, a3)[-1]


def kama(candles: np.ndarray, period: int = 14, fast_length: int = 2, slow_length: int = 30,
         source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """KAMA: the efficiency ratio picks a smoothing between the fast and slow EMA constants.

    The first ``period`` values are the source itself (all of them if there are no more).

    Example:
        >>> import numpy as np
        >>> round(kama(np.arange(1.0, 60.0)), 3) < 59
        True
    """
    period = check_period(period)
    fast_length = check_period(fast_length, "kama: fast_length")
    slow_length = check_period(slow_length, "kama: slow_length")
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_k2_kama(source, period, fast_length, slow_length))
    return k2.kama(source, period, fast_length, slow_length)
