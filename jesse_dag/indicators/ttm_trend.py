"""TTM Trend (Jesse ``ta.ttm_trend``): is the close above the ``period`` average of ``source_type``?"""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE
from jesse_dag.indicators import _core
from jesse_dag.indicators._core import check_period, ohlcv, SOURCE_TYPES
from jesse_dag.indicators._kernels_rolling import rolling_window_sum_np


def ttm_trend(candles: np.ndarray, period: int = 5, source_type: str = "hl2",
              sequential: bool = False) -> bool | np.ndarray:
    """Boolean trend: ``close > mean(source, period)``; False while the average is undefined.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(3), np.ones(3), [1.0, 2, 5], [1.0, 2, 3], [1.0, 2, 3], np.ones(3)])
        >>> ttm_trend(c, period=2)
        np.True_
    """
    period = check_period(period)
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    c = ohlcv(candles, sequential, "ttm_trend")
    source = _core.source(c, source_type)
    avg = rolling_window_sum_np(source, period) / period
    res = np.greater(c[:, CLOSE], avg)
    return res if sequential else np.bool_(res[-1])  # numpy bool, as Jesse
