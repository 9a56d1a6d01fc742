"""Ehlers simple decycler: the price minus its two-pole high-pass."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, get_candle_source, last_or_all, slice_candles


def decycler(candles: np.ndarray, hp_period: int = 125, source_type: str = "close",
             sequential: bool = False) -> float | np.ndarray:
    """Decycler.

    Example:
        >>> import numpy as np
        >>> round(decycler(np.full(50, 10.0)), 6)
        10.0
    """
    hp_period = check_period(hp_period, "hp_period")
    candles = slice_candles(candles, sequential)
    source = np.ascontiguousarray(get_candle_source(candles, source_type))
    return last_or_all(source - _kernels.high_pass_2pole(source, hp_period), sequential)
