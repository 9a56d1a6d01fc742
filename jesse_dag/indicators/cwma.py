"""CWMA - cubed weighted moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _last_kernels_power_weighted_ma(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels.power_weighted_ma(a0, a1, a2, a3)[-1]


def cwma(candles: np.ndarray, period: int = 14, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Weights ``(period - i)**3`` on the newest ``period-1`` bars; the first ``period+1`` rows are the input.

    Example:
        >>> import numpy as np
        >>> cwma(np.ones(30))
        1.0
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_kernels_power_weighted_ma(source, period, 3.0, 0.0))
    return _kernels.power_weighted_ma(source, period, 3.0, 0.0)
