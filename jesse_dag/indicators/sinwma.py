"""SINWMA: sine-weighted moving average (Jesse ``ta.sinwma``), weights ``sin((i+1)π/(p+1))``."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels_averages import weighted_window_average

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_weighted_window_average(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return weighted_window_average(a0, a1)[-1]


def sinwma(candles: np.ndarray, period: int = 14, source_type: str = "close",
           sequential: bool = False) -> float | np.ndarray:
    """Sine-weighted average of each ``period`` window; the first ``period - 1`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> round(sinwma(np.arange(1.0, 11.0), period=3), 6)
        np.float64(9.0)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    sines = np.sin((np.arange(period) + 1.0) * np.pi / (period + 1))
    if not sequential:
        return _f64(_last_weighted_window_average(source, sines / sines.sum()))
    res = weighted_window_average(source, sines / sines.sum())
    return res
