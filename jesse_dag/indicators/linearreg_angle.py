"""LINEARREG_ANGLE - angle in degrees of the least-squares slope."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_rolling
from jesse_dag.indicators._core import check_period, last_or_all, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def linearreg_angle(candles: np.ndarray, period: int = 14, source_type: str = "close",
                    sequential: bool = False) -> float | np.ndarray:
    """``degrees(arctan(slope))`` of each ``period`` window's least-squares line; NaN before.

    Example:
        >>> import numpy as np
        >>> round(linearreg_angle(np.arange(0.0, 20.0)), 9)
        np.float64(45.0)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(np.degrees(np.arctan(_kernels_rolling.linreg_slope(source, period))), sequential)
