"""Ichimoku cloud with every line as a series."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels_rolling, _kernels_series
from jesse_dag.indicators._core import as_candles, check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

IchimokuCloud = namedtuple("IchimokuCloud", ["conversion_line", "base_line", "span_a", "span_b", "lagging_line",
                                             "future_span_a", "future_span_b"])


def ichimoku_cloud_seq(candles: np.ndarray, conversion_line_period: int = 9, base_line_period: int = 26,
                       lagging_line_period: int = 52, displacement: int = 26,
                       sequential: bool = False) -> IchimokuCloud:
    """Ichimoku lines; spans are shifted ``displacement`` rows, the lagging line ``displacement - 1``.

    Raises ValueError with fewer than ``lagging_line_period + displacement`` candles (as Jesse does).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> ic = ichimoku_cloud_seq(candles_from_close_prices(np.linspace(100, 120, 100)))
        >>> ic.future_span_a > ic.span_a
        np.True_
    """
    for name, p in (("conversion_line_period", conversion_line_period), ("base_line_period", base_line_period),
                    ("lagging_line_period", lagging_line_period), ("displacement", displacement)):
        check_period(p, f"ichimoku_cloud_seq: {name}")
    arr = as_candles(candles)
    if arr.ndim != 2:
        raise ValueError("ichimoku_cloud_seq: needs a 2-D (N, 6) candle array, got a 1-D series")
    if arr.shape[0] < lagging_line_period + displacement:
        raise ValueError(f"ichimoku_cloud_seq: {arr.shape[0]} candles, need at least "
                         f"lagging_line_period + displacement = {lagging_line_period + displacement}")
    c = slice_candles(arr, sequential)
    high, low = c[:, HIGH], c[:, LOW]
    conversion = _kernels_rolling.rolling_mid(high, low, conversion_line_period)
    base = _kernels_rolling.rolling_mid(high, low, base_line_period)
    future_b = _kernels_rolling.rolling_mid(high, low, lagging_line_period)
    future_a = (conversion + base) / 2
    span_a = _kernels_series.shift_fill(future_a, displacement)
    span_b = _kernels_series.shift_fill(future_b, displacement)
    lagging = _kernels_series.shift_fill(c[:, CLOSE], displacement - 1)
    out = IchimokuCloud(conversion, base, span_a, span_b, lagging, future_a, future_b)
    if sequential:
        return out
    return IchimokuCloud(*(_f64(v[-1]) for v in out))
