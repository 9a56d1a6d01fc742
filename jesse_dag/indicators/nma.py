"""Natural moving average (Jim Sloman)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_averages
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def nma(candles: np.ndarray, period: int = 40, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Natural moving average on log prices; NaN for the first ``period + 1`` rows.

    Example:
        >>> import numpy as np
        >>> round(nma(np.linspace(100.0, 120.0, 60), 10), 3) > 100
        np.True_
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_kernels_averages.natural_ma_last(source, period))
    return _kernels_averages.natural_ma(source, period)
