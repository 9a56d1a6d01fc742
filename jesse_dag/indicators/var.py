"""VAR: rolling variance × ``nbdev`` (Jesse ``ta.var``), as ``mean(x²) - mean(x)²`` like Jesse."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators._core import check_number, check_period, source_of
from jesse_dag.indicators._kernels_rolling import rolling_window_sum_np

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def var(candles: np.ndarray, period: int = 14, nbdev: float = 1, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Population variance of each ``period`` window; the first ``period - 1`` rows are NaN.

    Jesse computes ``E[x²] - E[x]²`` (not the two-pass form); the same formula and summation order are
    used here so results agree to the last bits, cancellation included.

    Example:
        >>> import numpy as np
        >>> var(np.array([1.0, 3.0]), period=2)
        np.float64(1.0)
    """
    period = check_period(period)
    nbdev = check_number(nbdev, "nbdev")
    _, source = source_of(candles, source_type, sequential)
    mean = rolling_window_sum_np(source, period) / period
    mean_sq = rolling_window_sum_np(source * source, period) / period
    res = (mean_sq - mean ** 2) * nbdev
    return res if sequential else _f64(res[-1])
