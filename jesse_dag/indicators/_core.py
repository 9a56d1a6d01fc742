"""Shared plumbing for the indicator modules: sources, Jesse's trailing-window slicing, validation.

Jesse's rules reproduced here:
- ``sequential=False`` computes on the last ``warmup_candles_num`` candles only (0 means all), then
  returns the last value. See ``../shared/reference/jesse-behaviour.md`` §7.
- ``source_type`` picks a column or a derived price (hl2, hlc3, ohlc4).
"""
from __future__ import annotations

import numpy as np

from jesse_dag._config import warmup_candles_num
from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN, VOLUME

SOURCE_TYPES = ("close", "high", "low", "open", "volume", "hl2", "hlc3", "ohlc4")


def as_candles(candles: np.ndarray, name: str = "candles") -> np.ndarray:
    """Check ``candles`` is a non-empty 2-D float array with 6 columns (or a 1-D series) and return it as float64."""
    arr = np.asarray(candles)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        raise ValueError(f"{name}: expected a non-empty (N, 6) candle array or 1-D series, got shape {arr.shape}")
    if arr.ndim == 2 and arr.shape[1] < 6:
        raise ValueError(f"{name}: expected 6 columns (timestamp, open, close, high, low, volume), got {arr.shape[1]}")
    return arr.astype(np.float64, copy=False)


def slice_candles(candles: np.ndarray, sequential: bool) -> np.ndarray:
    """Jesse's ``slice_candles``: the trailing ``warmup_candles_num`` rows when not sequential."""
    candles = as_candles(candles)
    if not sequential:
        n = warmup_candles_num()
        if n > 0 and candles.shape[0] > n:
            return candles[-n:]
    return candles


def get_candle_source(candles: np.ndarray, source_type: str = "close") -> np.ndarray:
    """The price series ``source_type`` selects; a 1-D input is returned as it is."""
    if candles.ndim == 1:
        return candles
    if source_type == "close":
        return candles[:, CLOSE]
    if source_type == "high":
        return candles[:, HIGH]
    if source_type == "low":
        return candles[:, LOW]
    if source_type == "open":
        return candles[:, OPEN]
    if source_type == "volume":
        return candles[:, VOLUME]
    if source_type == "hl2":
        return (candles[:, HIGH] + candles[:, LOW]) / 2
    if source_type == "hlc3":
        return (candles[:, HIGH] + candles[:, LOW] + candles[:, CLOSE]) / 3
    if source_type == "ohlc4":
        return (candles[:, OPEN] + candles[:, HIGH] + candles[:, LOW] + candles[:, CLOSE]) / 4
    raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")


def check_period(period: int, name: str = "period") -> int:
    """Refuse a period below 1 with a clear error instead of a crash inside a kernel."""
    if period is None or int(period) != period or period < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {period!r}")
    return int(period)


def last_or_all(values: np.ndarray, sequential: bool):
    """Jesse's ``same_length``-free return convention: the whole array, or its last value as a float."""
    if sequential:
        return values
    v = values[-1]
    return None if v is None else float(v)


def source_of(candles: np.ndarray, source_type: str, sequential: bool) -> tuple[np.ndarray, np.ndarray]:
    """Jesse's usual preamble: ``(candles, source)`` as contiguous float64.

    A 2-D candle array is sliced (``slice_candles``) and its ``source_type`` column taken; a 1-D series
    is used whole, never sliced (Jesse only slices 2-D candles).
    """
    arr = as_candles(candles)
    if arr.ndim == 1:
        return arr, np.ascontiguousarray(arr)
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    arr = slice_candles(arr, sequential)
    return arr, np.ascontiguousarray(get_candle_source(arr, source_type))


def ohlcv(candles: np.ndarray, sequential: bool, indicator: str) -> np.ndarray:
    """Sliced 2-D candles for an indicator that needs several columns (refuses a 1-D series)."""
    arr = as_candles(candles)
    if arr.ndim != 2:
        raise ValueError(f"{indicator}: needs a 2-D (N, 6) candle array, got a 1-D series")
    return slice_candles(arr, sequential)


def column(candles: np.ndarray, index: int) -> np.ndarray:
    """One candle column as a contiguous float64 array (kernels then compile one array layout only)."""
    return np.ascontiguousarray(candles[:, index])


def check_number(value: float, name: str) -> float:
    """Refuse a non-finite float parameter with a clear error."""
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return v


def named_result(cls, arrays, sequential: bool):
    """Build a namedtuple result: the arrays when sequential, else each array's last value as a float."""
    if sequential:
        return cls(*arrays)
    return cls(*(float(a[-1]) for a in arrays))
