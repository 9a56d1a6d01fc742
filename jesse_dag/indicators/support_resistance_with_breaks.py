"""Support and resistance levels with breaks by LuxAlgo (Jesse ``ta.support_resistance_with_breaks``).

Reproduces Jesse 3.5.3, quirks included: the levels are the latest pivot low/high confirmed
``right_bars`` bars ago (strictly lower/higher than ``left_bars`` bars before and ``right_bars`` after),
while the break and wick flags test the *first* candle of the array against them and use the volume
oscillator ``100·(ema5 - ema10)/ema10`` of the last bar. No ``sequential`` flag and no slicing.
"""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN, VOLUME
from jesse_dag.indicators._core import as_candles, check_period, column

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

SupportResistanceWithBreaks = namedtuple("SupportResistanceWithBreaks",
                                         ["support", "resistance", "red_break", "green_break", "bear_wick",
                                          "bull_wick"])


@numba.njit(cache=True)
def _pivot_flags(source, left, right, is_high):
    # 1 where source[i] is a strict pivot, 0 where it is not, -1 outside [left, n-right)
    n = source.shape[0]
    flags = np.full(n, -1)
    for i in range(left, n - right):
        ok = True
        for j in range(1, left + 1):
            if (source[i] <= source[i - j]) if is_high else (source[i] >= source[i - j]):
                ok = False
                break
        if ok:
            for j in range(1, right + 1):
                if (source[i] <= source[i + j]) if is_high else (source[i] >= source[i + j]):
                    ok = False
                    break
        flags[i] = 1 if ok else 0
    return flags


def _level(source: np.ndarray, left: int, right: int, is_high: bool, name: str) -> float:
    flags = _pivot_flags(np.ascontiguousarray(source), left, right, is_high)
    pivots = np.flatnonzero(flags == 1)
    if pivots.size == 0:
        raise ValueError(f"support_resistance_with_breaks: no pivot {name} in {source.shape[0]} candles "
                         f"(left_bars={left}, right_bars={right})")
    n = source.shape[0]
    target = n - right - 1  # Jesse returns the forward-filled value at this row
    first = int(pivots[0])
    if first == 0 and target < n - 1:
        # Jesse's `[:first - 1]` becomes `[:-1]` when the first pivot is row 0
        return _f64(source[0])
    before = pivots[pivots <= target]
    if before.size == 0:
        raise ValueError(f"support_resistance_with_breaks: no pivot {name} confirmed before the last {right} candles")
    return _f64(source[before[-1]])


def _ema_last(x: np.ndarray, period: int) -> float:
    if period > x.shape[0]:
        return _f64("nan")
    alpha = 2.0 / (period + 1.0)
    v = x[0]
    for i in range(1, x.shape[0]):
        v = alpha * x[i] + (1.0 - alpha) * v
    return _f64(v)


def support_resistance_with_breaks(candles: np.ndarray, left_bars: int = 15, right_bars: int = 15,
                                   vol_threshold: int = 20) -> SupportResistanceWithBreaks:
    """Latest support/resistance pivots and Jesse's break/wick flags.

    Example:
        >>> import numpy as np
        >>> h = np.array([1.0, 3, 1, 1, 1]); lo = np.array([1.0, 1, 1, 0, 1])
        >>> c = np.column_stack([np.zeros(5), np.ones(5), np.ones(5), h, lo, np.ones(5)])
        >>> r = support_resistance_with_breaks(c, left_bars=1, right_bars=1)
        >>> (r.support, r.resistance)
        (np.float64(0.0), np.float64(3.0))
    """
    left_bars = check_period(left_bars, "left_bars")
    right_bars = check_period(right_bars, "right_bars")
    arr = as_candles(candles)
    if arr.ndim != 2:
        raise ValueError("support_resistance_with_breaks: needs a 2-D (N, 6) candle array, got a 1-D series")
    resistance = _level(arr[:, HIGH], left_bars, right_bars, True, "high")
    support = _level(arr[:, LOW], left_bars, right_bars, False, "low")
    vol = column(arr, VOLUME)
    short = _ema_last(vol, 5)
    long = _ema_last(vol, 10)
    osc = 100 * (short - long) / long
    first = arr[0]
    o, c, h, lo = first[OPEN], first[CLOSE], first[HIGH], first[LOW]
    bear_wick = bool(c < support and abs(o - c) < abs(o - h))
    bull_wick = bool(c > resistance and abs(o - lo) > abs(o - c))
    red_break = bool(c < support and not abs(o - c) < abs(o - h) and osc > vol_threshold)
    green_break = bool(c > resistance and abs(o - lo) > abs(o - c) and osc > vol_threshold)
    return SupportResistanceWithBreaks(support, resistance, red_break, green_break, bear_wick, bull_wick)
