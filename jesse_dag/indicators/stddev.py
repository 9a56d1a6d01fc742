"""STDDEV: rolling population standard deviation × ``nbdev`` (Jesse ``ta.stddev``)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators._core import check_number, check_period, source_of
from jesse_dag.indicators._kernels import rolling_std

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def stddev(candles: np.ndarray, period: int = 5, nbdev: float = 1, source_type: str = "close",
           sequential: bool = False) -> float | np.ndarray:
    """Standard deviation (ddof 0) of each ``period`` window; the first ``period - 1`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> stddev(np.array([1.0, 3.0]), period=2)
        np.float64(1.0)
    """
    period = check_period(period)
    nbdev = check_number(nbdev, "nbdev")
    _, source = source_of(candles, source_type, sequential)
    res = rolling_std(source, period) * nbdev
    return res if sequential else _f64(res[-1])
