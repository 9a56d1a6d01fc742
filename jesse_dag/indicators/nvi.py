"""NVI - negative volume index."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import column, get_candle_source, last_or_all, ohlcv, SOURCE_TYPES


def nvi(candles: np.ndarray, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Starts at 1000 and follows the source's percentage change only on rows where the volume falls.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> nvi(candles_from_close_prices(np.linspace(100, 110, 30))) > 0
        True
    """
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    c = ohlcv(candles, sequential, "nvi")
    source = np.ascontiguousarray(get_candle_source(c, source_type))
    return last_or_all(k2.volume_index(source, column(c, VOLUME), True), sequential)
