"""Midpoint over a period."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels_rolling
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_rolling_mid(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    # each row depends on its own window only, so the last value comes from the last window's rows alone
    t = max(0, a0.shape[0] - a2)
    return _kernels_rolling.rolling_mid(a0[t:], a1[t:], a2)[-1]


def midpoint(candles: np.ndarray, period: int = 14, source_type: str = "close",
             sequential: bool = False) -> float | np.ndarray:
    """``(max + min) / 2`` of each ``period`` window of the source; NaN before the first window.

    Example:
        >>> import numpy as np
        >>> midpoint(np.arange(0.0, 20.0), 5)
        np.float64(17.0)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_rolling_mid(source, source, period))
    return _kernels_rolling.rolling_mid(source, source, period)
