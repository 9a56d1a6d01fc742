"""Wavetrend (Jesse ``ta.wt``).

``esa = ema(src)``, ``de = ema(|src - esa|)``, ``ci = (src - esa) / (0.015·de)`` (0 when ``de == 0``),
``wt1 = ema(ci)``, ``wt2`` = mean of the last ``wtmalen`` wt1 values (growing window at the start).
"""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import SOURCE_TYPES, check_number, check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

Wavetrend = namedtuple("Wavetrend", ["wt1", "wt2", "wtCrossUp", "wtCrossDown", "wtOversold", "wtOverbought",
                                     "wtVwap"])


@numba.njit(cache=True, inline="always")
def _wt_into(src, channel_len, average_len, ma_len, wt1s, wt2s):
    # one pass: esa and de (EMAs seeded with the first row), ci, wt1 (EMA of ci) and wt2 (a moving mean of
    # wt1 over the rows so far, then over ``ma_len`` rows, updated by the difference) with the operations of
    # Jesse's separate passes, so the same bits, and no temporary arrays. ``wt2s`` holds every row, or with
    # one row only the last
    n = src.shape[0]
    keep_all = wt2s.shape[0] == n
    a1 = 2.0 / (channel_len + 1.0)
    a2 = 2.0 / (average_len + 1.0)
    esa = 0.0
    de = 0.0
    wt1 = 0.0
    wt2 = 0.0
    cum = 0.0
    for i in range(n):
        x = src[i]
        if i == 0:
            esa = x
            de = abs(x - esa)
        else:
            esa = a1 * x + (1.0 - a1) * esa
            de = a1 * abs(x - esa) + (1.0 - a1) * de
        ci = 0.0 if de == 0.0 else (x - esa) / (0.015 * de)
        wt1 = ci if i == 0 else a2 * ci + (1.0 - a2) * wt1
        wt1s[i] = wt1
        if i < ma_len:
            cum += wt1
            wt2 = cum / (i + 1.0)
        else:
            wt2 = wt2 + (wt1 - wt1s[i - ma_len]) / ma_len
        if keep_all:
            wt2s[i] = wt2
    if not keep_all:
        wt2s[0] = wt2


@numba.njit(cache=True)
def _wt(src, channel_len, average_len, ma_len):
    n = src.shape[0]
    wt1s = np.empty(n)
    wt2s = np.empty(n)
    _wt_into(src, channel_len, average_len, ma_len, wt1s, wt2s)
    return wt1s, wt2s


@numba.njit(cache=True)
def _last_wt(src, channel_len, average_len, ma_len):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    wt1s = np.empty(src.shape[0])
    wt2s = np.empty(1)
    _wt_into(src, channel_len, average_len, ma_len, wt1s, wt2s)
    return wt1s[-1], wt2s[0]


@numba.njit(cache=True)
def _last_wt_rows(c, code, warm, channel_len, average_len, ma_len):
    # _last_wt on the source ``code`` of Jesse's trailing ``warm`` rows of 2-D candles (the fast lane)
    return _last_wt(_kernels.window_source(c, code, warm), channel_len, average_len, ma_len)


def wt(candles: np.ndarray, wtchannellen: int = 9, wtaveragelen: int = 12, wtmalen: int = 3, oblevel: int = 53,
       oslevel: int = -53, source_type: str = "hlc3", sequential: bool = False) -> Wavetrend:
    """Wavetrend lines, cross/level flags (bool) and ``wtVwap = wt1 - wt2``.

    ``source_type`` values Jesse's kernel does not know (``hl2``, ``volume``) fall back to the close.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(5), np.ones(5), np.full(5, 2.0), np.full(5, 2.0), np.full(5, 2.0), np.ones(5)])
        >>> wt(c).wt1
        np.float64(0.0)
    """
    wtchannellen = check_period(wtchannellen, "wtchannellen")
    wtaveragelen = check_period(wtaveragelen, "wtaveragelen")
    wtmalen = check_period(wtmalen, "wtmalen")
    oblevel = check_number(oblevel, "oblevel")
    oslevel = check_number(oslevel, "oslevel")
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    kind = source_type if source_type in ("open", "high", "low", "close", "hlc3", "ohlc4") else "close"
    if not sequential:
        code = _kernels.plain_source_code(candles, kind)
        if code >= 0:
            a, b = map(_f64, _last_wt_rows(candles, code, _warmup_now(), wtchannellen, wtaveragelen,
                                            wtmalen))
            return Wavetrend(a, b, b - a <= 0.0, b - a >= 0.0, b <= oslevel, b >= oblevel, a - b)
    c = ohlcv(candles, sequential, "wt")
    src = _core.source(c, kind)
    if not sequential:
        # the same elementwise operations on the last row only
        a, b = map(_f64, _last_wt(src, wtchannellen, wtaveragelen, wtmalen))
        return Wavetrend(a, b, b - a <= 0.0, b - a >= 0.0, b <= oslevel, b >= oblevel, a - b)
    wt1, wt2 = _wt(src, wtchannellen, wtaveragelen, wtmalen)
    cross_up = wt2 - wt1 <= 0.0
    cross_down = wt2 - wt1 >= 0.0
    oversold = wt2 <= oslevel
    overbought = wt2 >= oblevel
    vwap = wt1 - wt2
    if sequential:
        return Wavetrend(wt1, wt2, cross_up, cross_down, oversold, overbought, vwap)
    return Wavetrend(_f64(wt1[-1]), _f64(wt2[-1]), np.bool_(cross_up[-1]), np.bool_(cross_down[-1]),
                     np.bool_(oversold[-1]), np.bool_(overbought[-1]), _f64(vwap[-1]))
