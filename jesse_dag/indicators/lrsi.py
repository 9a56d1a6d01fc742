"""RSI Laguerre filter (Ehlers)."""
from __future__ import annotations

import math

import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_filters
from jesse_dag.indicators._core import check_number, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def lrsi(candles: np.ndarray, alpha: float = 0.2, sequential: bool = False) -> float | np.ndarray | None:
    """Laguerre RSI (0..1) of the median price; None if the last value is NaN.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= lrsi(candles_from_close_prices(np.linspace(100, 110, 60))) <= 1
        np.True_
    """
    alpha = check_number(alpha, "lrsi: alpha")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        v = _kernels_filters.laguerre_rsi_hl2_last(candles, _warmup_now(), alpha)
        return None if math.isnan(v) else _f64(v)
    c = np.ascontiguousarray(ohlcv(candles, sequential, "lrsi"))
    if not sequential:
        v = _kernels_filters.laguerre_rsi_hl2_last(c, 0, alpha)
        return None if math.isnan(v) else _f64(v)
    return _kernels_filters.laguerre_rsi_hl2(c, 0, alpha)
