"""VPWMA: Variable Power Weighted Moving Average (Jesse ``ta.vpwma``).

Weights ``(period - i) ** power`` over the newest ``period - 1`` values; the input is copied through for
the first ``period + 1`` rows (all rows when ``n < period + 2``).
"""
from __future__ import annotations

import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, source_of
from jesse_dag.indicators._kernels_averages import tail_weighted_ma, tail_weighted_ma_last, tail_weighted_ma_last_rows

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def vpwma(candles: np.ndarray, period: int = 14, power: float = 0.382, source_type: str = "close",
          sequential: bool = False) -> float | np.ndarray:
    """Power-weighted moving average.

    Example:
        >>> import numpy as np
        >>> round(vpwma(np.full(20, 3.0), period=4), 9)
        np.float64(3.0)
    """
    period = check_period(period)
    power = check_number(power, "power")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(tail_weighted_ma_last_rows(candles, code, _warmup_now(), period, power))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(tail_weighted_ma_last(source, period, power))
    res = tail_weighted_ma(source, period, power)
    return res
