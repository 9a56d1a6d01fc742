"""Modified inverse Fisher transform of the RSI."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import check_period, last_or_all, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def ift_rsi(candles: np.ndarray, rsi_period: int = 5, wma_period: int = 9, source_type: str = "close",
            sequential: bool = False) -> float | np.ndarray:
    """``v = WMA(0.1*(RSI-50)); ((2v)^2 - 1) / ((2v)^2 + 1)``.

    Example:
        >>> import numpy as np
        >>> -1.0 <= ift_rsi(np.sin(np.arange(100.0)) + 10) <= 1.0
        np.True_
    """
    rsi = _core.indicator("rsi")

    rsi_period = check_period(rsi_period, "ift_rsi: rsi_period")
    wma_period = check_period(wma_period, "ift_rsi: wma_period")
    _, source = source_of(candles, source_type, sequential)
    v1 = 0.1 * (np.asarray(rsi(source, rsi_period, sequential=True)) - 50)
    v2 = _kernels.wma(np.ascontiguousarray(v1), wma_period)
    sq = (2 * v2) ** 2
    return last_or_all((sq - 1) / (sq + 1), sequential)
