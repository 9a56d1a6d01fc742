"""VWMACD: volume-weighted MACD (Jesse ``ta.vwmacd``).

Jesse never slices here; ``sequential=False`` slices to the warm-up window like every other indicator,
which changes nothing but rounding bits (every term is a short rolling window). The signal is a unit-volume VWMA (a plain rolling mean with partial first windows) of the MACD line.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import CLOSE, VOLUME
from jesse_dag.indicators._core import as_candles, check_period, column, slice_candles
from jesse_dag.indicators.vwma import vwma_kernel

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

VWMACD = namedtuple("VWMACD", ["macd", "signal", "hist"])


def vwmacd(candles: np.ndarray, fast_period: int = 12, slow_period: int = 26, signal_period: int = 9,
           sequential: bool = False) -> VWMACD:
    """MACD of volume-weighted averages, its signal line and histogram.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(5), np.ones(5), np.full(5, 2.0), np.ones(5), np.ones(5), np.ones(5)])
        >>> vwmacd(c, 2, 3, 2).macd
        np.float64(0.0)
    """
    fast_period = check_period(fast_period, "fast_period")
    slow_period = check_period(slow_period, "slow_period")
    signal_period = check_period(signal_period, "signal_period")
    arr = slice_candles(as_candles(candles), sequential)
    if arr.ndim == 1:
        price = np.ascontiguousarray(arr)
        vol = np.ones(arr.shape[0])
    else:
        price = column(arr, CLOSE)
        vol = column(arr, VOLUME)
    macd_val = vwma_kernel(price, vol, fast_period) - vwma_kernel(price, vol, slow_period)
    signal = vwma_kernel(np.ascontiguousarray(macd_val), np.ones(macd_val.shape[0]), signal_period)
    hist = macd_val - signal
    if sequential:
        return VWMACD(macd_val, signal, hist)
    return VWMACD(_f64(macd_val[-1]), _f64(signal[-1]), _f64(hist[-1]))
