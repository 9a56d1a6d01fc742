"""VWAP anchored to calendar periods (Jesse ``ta.vwap``).

The running sums restart whenever the candle's period key changes; keys are ``seconds // span`` with
span 1 day for ``"D"`` (also the fallback for unknown anchors), 1 hour ``"H"``, 1 minute ``"M"``, 4 hours
``"4H"``, 12 hours ``"12H"``, 1 week ``"W"``, 30 days ``"MN"``.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import TIMESTAMP, VOLUME
from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import ohlcv, SOURCE_TYPES

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

_ANCHOR_SECONDS = {"D": 86400, "H": 3600, "M": 60, "4H": 14400, "12H": 43200, "W": 604800, "MN": 2592000}


@numba.njit(cache=True)
def _vwap(source, vol, timestamps, span):
    n = source.shape[0]
    out = np.full(n, np.nan)
    if n == 0:
        return out
    cum_vol = 0.0
    cum_pv = 0.0
    current = np.int64(timestamps[0] / 1000.0) // span
    # the key changes exactly when the second leaves [current * span, (current + 1) * span): two comparisons
    # per row instead of an integer division
    lo = current * span
    hi = lo + span
    for i in range(n):
        sec = np.int64(timestamps[i] / 1000.0)
        if sec < lo or sec >= hi:
            cum_vol = 0.0
            cum_pv = 0.0
            current = sec // span
            lo = current * span
            hi = lo + span
        cum_pv += vol[i] * source[i]
        cum_vol += vol[i]
        if cum_vol != 0.0:
            out[i] = cum_pv / cum_vol
    return out


@numba.njit(cache=True)
def _last_vwap_rows(c, code, warm, span):
    # _vwap(...)[-1] on Jesse's trailing ``warm`` rows of 2-D candles: the sums restart at each key change,
    # so the last value is the sums over the last run of rows sharing the last row's key, added in order
    n = c.shape[0]
    s0 = _kernels.window_start(n, warm)
    key = np.int64(c[n - 1, TIMESTAMP] / 1000.0) // span
    lo = key * span
    hi = lo + span
    first = n - 1
    while first > s0:
        sec = np.int64(c[first - 1, TIMESTAMP] / 1000.0)
        if sec < lo or sec >= hi:
            break
        first -= 1
    cum_vol = 0.0
    cum_pv = 0.0
    for i in range(first, n):
        v = c[i, VOLUME]
        cum_pv += v * _kernels.source_at(c, i, code)
        cum_vol += v
    return cum_pv / cum_vol if cum_vol != 0.0 else np.nan


def vwap(candles: np.ndarray, source_type: str = "hlc3", anchor: str = "D",
         sequential: bool = False) -> float | None | np.ndarray:
    """Volume-weighted average price since the start of each anchor period.

    Non-sequential returns ``None`` when the last value is NaN (zero volume so far), like Jesse.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([[0.0, 60000], [1.0, 1], [1.0, 3], [1.0, 3], [1.0, 3], [1.0, 1]])
        >>> vwap(c, source_type="close", sequential=True).tolist()
        [1.0, 2.0]
    """
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    if source_type == "volume":
        source_type = "hlc3"  # jesse_rust's vwap knows no "volume" source and falls back to hlc3
    span = _ANCHOR_SECONDS.get(str(anchor).upper(), 86400)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            v = _last_vwap_rows(candles, code, _warmup_now(), np.int64(span))
            return None if np.isnan(v) else _f64(v)
    c = ohlcv(candles, sequential, "vwap")
    source = _core.source(c, source_type)
    res = _vwap(source, c[:, VOLUME], c[:, TIMESTAMP], np.int64(span))
    if sequential:
        return res
    return None if np.isnan(res[-1]) else _f64(res[-1])
