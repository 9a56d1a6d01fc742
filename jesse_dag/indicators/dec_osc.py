"""Ehlers decycler oscillator."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, get_candle_source, last_or_all, slice_candles


def dec_osc(candles: np.ndarray, hp_period: int = 125, k: float = 1, source_type: str = "close",
            sequential: bool = False) -> float | np.ndarray:
    """``100 * k * HP2(decycle, hp_period/2) / price``; Jesse truncates the half period to an int.

    Example:
        >>> import numpy as np
        >>> abs(dec_osc(np.full(50, 10.0))) < 1e-9
        True
    """
    hp_period = check_period(hp_period, "hp_period")
    k = check_number(k, "k")
    half = int(0.5 * hp_period)
    if half < 1:
        raise ValueError(f"hp_period must be >= 2, got {hp_period}")
    candles = slice_candles(candles, sequential)
    source = np.ascontiguousarray(get_candle_source(candles, source_type))
    dec = source - _kernels.high_pass_2pole(source, hp_period)
    res = 100 * k * _kernels.high_pass_2pole(dec, half) / source
    return last_or_all(res, sequential)
