"""Low-overhead versions of ``_core``'s per-call preamble, for indicators called once per bar.

A strategy calls an indicator non-sequentially on ~240 candles every bar, so the Python around the
kernel (validation, slicing, column copies, result building) costs more than the kernel itself. The
functions here return exactly what their ``_core`` namesakes return (same arrays, same errors): the
common case, a C-ordered float64 ``(N, 6)`` ndarray, is recognised with a few attribute checks and
anything else is handed to ``_core`` unchanged. Derived sources (hl2, hlc3, ohlc4) are computed in one
numba pass over the rows, with the same operation order as numpy's, so the bits are identical.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._fastpath import source_of
    >>> c = np.array([[0, 1, 2, 4, 0, 1]], dtype=float)
    >>> source_of(c, "hl2", True)[1].tolist()
    [2.0]
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.indicators import _core
from jesse_dag.indicators._kernels import scalar_row
from jesse_dag.indicators._core import (  # noqa: F401  (re-exported so modules import one place)
    SOURCE_TYPES,
    as_candles,
    check_number,
    check_period,
    column,
    get_candle_source,
    last_or_all,
    named_result,
)

_F64 = np.dtype(np.float64)
_ndarray = np.ndarray
# source_type -> candle column, or a derived price code (6 = hl2, 7 = hlc3, 8 = ohlc4)
_SOURCE_CODE = {"close": 2, "high": 3, "low": 4, "open": 1, "volume": 5, "hl2": 6, "hlc3": 7, "ohlc4": 8}


@numba.njit(cache=True)
def derived_source(c, code):
    """hl2 / hlc3 / ohlc4 of 2-D candles, evaluated left to right as numpy does."""
    # the rows are read with scalar loads (_kernels.scalar_row): LLVM's gathers of the strided columns are
    # 2-3x slower here (hl2 / hlc3 / ohlc4 of 100k rows: 0.55 / 0.91 / 1.09 ms vs 0.28 / 0.33 / 0.33 ms)
    n = c.shape[0]
    out = np.empty(n)
    # (an unsigned row: numba adds no negative-index wraparound to each load; 0.9x the time)
    if code == 6:
        for i in range(n):
            r = scalar_row(np.uint64(i))
            out[i] = (c[r, 3] + c[r, 4]) / 2
    elif code == 7:
        for i in range(n):
            r = scalar_row(np.uint64(i))
            out[i] = (c[r, 3] + c[r, 4] + c[r, 2]) / 3
    else:
        for i in range(n):
            r = scalar_row(np.uint64(i))
            out[i] = (c[r, 1] + c[r, 3] + c[r, 4] + c[r, 2]) / 4
    return out


def slice_candles(candles: np.ndarray, sequential: bool) -> np.ndarray:
    """``_core.slice_candles``: the trailing ``warmup_candles_num`` rows when not sequential."""
    # (the plain case's checks written out: one shape tuple, no helper call)
    if type(candles) is _ndarray and candles.dtype is _F64:
        shape = candles.shape
        if len(shape) == 2 and shape[0] > 0 and shape[1] >= 6:
            if not sequential:
                n = _warmup_candles_num.get()
                if 0 < n < shape[0]:
                    return candles[-n:]
            return candles
    return _core.slice_candles(candles, sequential)


def ohlcv(candles: np.ndarray, sequential: bool, indicator: str) -> np.ndarray:
    """``_core.ohlcv``: sliced 2-D candles (refuses a 1-D series)."""
    if type(candles) is _ndarray and candles.dtype is _F64:
        shape = candles.shape
        if len(shape) == 2 and shape[0] > 0 and shape[1] >= 6:
            if not sequential:
                n = _warmup_candles_num.get()
                if 0 < n < shape[0]:
                    return candles[-n:]
            return candles
    return _core.ohlcv(candles, sequential, indicator)


def source(candles: np.ndarray, source_type: str) -> np.ndarray:
    """``get_candle_source`` of already validated, sliced candles as float64 (a column is a strided view)."""
    if candles.ndim == 1:
        return np.ascontiguousarray(candles)
    code = _SOURCE_CODE.get(source_type)
    if code is None:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    if code < 6:
        return candles[:, code] if candles.dtype is _F64 else np.ascontiguousarray(candles[:, code], np.float64)
    return derived_source(candles, code)


def source_of(candles: np.ndarray, source_type: str, sequential: bool) -> tuple[np.ndarray, np.ndarray]:
    """``_core.source_of``: ``(candles, source)``; a plain column comes back as a strided float64 view."""
    if type(candles) is _ndarray and candles.dtype is _F64:
        shape = candles.shape
        if len(shape) == 2 and shape[0] > 0 and shape[1] >= 6:
            code = _SOURCE_CODE.get(source_type)
            if code is None:
                raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
            if not sequential:
                n = _warmup_candles_num.get()
                if 0 < n < shape[0]:
                    candles = candles[-n:]
            if code < 6:
                # a strided view, not a copy: the kernels read it in place (one pass over memory, not two)
                return candles, candles[:, code]
            return candles, derived_source(candles, code)
    return _core.source_of(candles, source_type, sequential)
