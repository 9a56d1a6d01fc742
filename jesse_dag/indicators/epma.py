"""EPMA - end point moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _last_kernels_power_weighted_ma(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels.power_weighted_ma(a0, a1, a2, a3)[-1]


def epma(candles: np.ndarray, period: int = 11, offset: int = 4, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Weights ``period - i - offset`` on the newest ``period-1`` bars; early rows are the input.

    Example:
        >>> import numpy as np
        >>> epma(np.ones(30))
        1.0
    """
    period = check_period(period)
    if int(offset) != offset or offset < 0:
        raise ValueError(f"offset must be an integer >= 0, got {offset!r}")
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_kernels_power_weighted_ma(source, period, 1.0, float(offset)))
    return _kernels.power_weighted_ma(source, period, 1.0, float(offset))
