"""Ichimoku cloud, last values only (Jesse's ``ichimoku_cloud`` has no sequential flag)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators._core import as_candles, check_period

IchimokuCloud = namedtuple("IchimokuCloud", ["conversion_line", "base_line", "span_a", "span_b"])


def _mid(high: np.ndarray, low: np.ndarray, period: int) -> float:
    if high.shape[0] < period:
        return float("nan")
    return (float(high[-period:].max()) + float(low[-period:].min())) / 2.0


def ichimoku_cloud(candles: np.ndarray, conversion_line_period: int = 9, base_line_period: int = 26,
                   lagging_line_period: int = 52, displacement: int = 26) -> IchimokuCloud:
    """Conversion and base lines now, and spans A/B as they were ``displacement - 1`` candles ago.

    Like Jesse, it works on the last 80 candles and returns all-NaN for fewer than 80.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> ic = ichimoku_cloud(candles_from_close_prices(np.linspace(100, 120, 100)))
        >>> ic.conversion_line > ic.span_b
        True
    """
    for name, p in (("conversion_line_period", conversion_line_period), ("base_line_period", base_line_period),
                    ("lagging_line_period", lagging_line_period), ("displacement", displacement)):
        check_period(p, f"ichimoku_cloud: {name}")
    arr = as_candles(candles)
    if arr.ndim != 2:
        raise ValueError("ichimoku_cloud: needs a 2-D (N, 6) candle array, got a 1-D series")
    if arr.shape[0] < 80:
        return IchimokuCloud(np.nan, np.nan, np.nan, np.nan)
    arr = arr[-80:]
    high, low = arr[:, HIGH], arr[:, LOW]
    # Jesse's Rust slices `..-(displacement-1)`; displacement 1 leaves the whole array.
    cut = arr.shape[0] - (displacement - 1)
    e_high, e_low = high[:cut], low[:cut]
    span_a = (_mid(e_high, e_low, conversion_line_period) + _mid(e_high, e_low, base_line_period)) / 2.0
    span_b = _mid(e_high, e_low, lagging_line_period)
    return IchimokuCloud(_mid(high, low, conversion_line_period), _mid(high, low, base_line_period),
                         span_a, span_b)
