"""EPMA - end point moving average."""
from __future__ import annotations

import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels_averages import power_weighted_ma_last, power_weighted_ma_last_rows

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def epma(candles: np.ndarray, period: int = 11, offset: int = 4, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Weights ``period - i - offset`` on the newest ``period-1`` bars; early rows are the input.

    Example:
        >>> import numpy as np
        >>> epma(np.ones(30))
        np.float64(1.0)
    """
    period = check_period(period)
    if int(offset) != offset or offset < 0:
        raise ValueError(f"offset must be an integer >= 0, got {offset!r}")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(power_weighted_ma_last_rows(candles, code, _warmup_now(),
                                                             period, 1.0, float(offset)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(power_weighted_ma_last(source, period, 1.0, float(offset)))
    return _kernels.power_weighted_ma(source, period, 1.0, float(offset))
