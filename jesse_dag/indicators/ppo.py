"""Percentage price oscillator."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import check_period, last_or_all, ohlcv, SOURCE_TYPES


def ppo(candles: np.ndarray, fast_period: int = 12, slow_period: int = 26, matype: int = 0,
        source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """``100 * (fast MA - slow MA) / slow MA``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> ppo(candles_from_close_prices(np.linspace(100, 120, 60))) > 0
        True
    """
    ma = k2.indicator("ma")

    fast_period = check_period(fast_period, "ppo: fast_period")
    slow_period = check_period(slow_period, "ppo: slow_period")
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    c = ohlcv(candles, sequential, "ppo")
    if matype in (24, 29):
        fast = ma(c, period=fast_period, matype=matype, source_type=source_type, sequential=True)
        slow = ma(c, period=slow_period, matype=matype, source_type=source_type, sequential=True)
    else:
        src = fp.source(c, source_type)
        fast = ma(src, period=fast_period, matype=matype, sequential=True)
        slow = ma(src, period=slow_period, matype=matype, sequential=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = 100 * (np.asarray(fast) - np.asarray(slow)) / np.asarray(slow)
    return last_or_all(res, sequential)
