"""BBANDS - Bollinger Bands."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import (
    active_memo, cached_last, check_number, check_period, memo_hit, named_rows, scalar_rows, source_of,
)

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

BollingerBands = namedtuple("BollingerBands", ["upperband", "middleband", "lowerband"])


@numba.njit(cache=True)
def _bbands_sma_std(x, period, devup, devdn):
    # Jesse's default path: running sums, variance = E[x^2] - mean^2 (population)
    n = x.shape[0]
    up = np.empty(n)
    mid = np.empty(n)
    lo = np.empty(n)
    if n < period:
        up[:] = np.nan
        mid[:] = np.nan
        lo[:] = np.nan
        return up, mid, lo
    s = 0.0
    s2 = 0.0
    for i in range(period - 1):
        s += x[i]
        s2 += x[i] * x[i]
        up[i] = np.nan
        mid[i] = np.nan
        lo[i] = np.nan
    for i in range(period - 1, n):
        s += x[i]
        s2 += x[i] * x[i]
        if i >= period:
            old = x[i - period]
            s -= old
            s2 -= old * old
        m = s / period
        sd = np.sqrt(s2 / period - m * m)
        mid[i] = m
        up[i] = m + devup * sd
        lo[i] = m - devdn * sd
    return up, mid, lo


@numba.njit(cache=True)
def _last_bbands(x, period, devup, devdn):
    # the last row of _bbands_sma_std without the arrays: the same running sums, so the same bits
    n = x.shape[0]
    if n < period:
        return np.nan, np.nan, np.nan
    s = 0.0
    s2 = 0.0
    for i in range(period):
        s += x[i]
        s2 += x[i] * x[i]
    for i in range(period, n):
        s += x[i]
        s2 += x[i] * x[i]
        old = x[i - period]
        s -= old
        s2 -= old * old
    m = s / period
    sd = np.sqrt(s2 / period - m * m)
    return m + devup * sd, m, m - devdn * sd


@numba.njit(cache=True)
def _last_bbands_rows(c, code, warm, period, devup, devdn):
    # _last_bbands on the trailing ``warm`` rows of the source ``code`` of 2-D candles (the fast lane)
    n = c.shape[0]
    s0 = _kernels.window_start(n, warm)
    if n - s0 < period:
        return np.nan, np.nan, np.nan
    s = 0.0
    s2 = 0.0
    for i in range(s0, s0 + period):
        x = _kernels.source_at(c, i, code)
        s += x
        s2 += x * x
    for i in range(s0 + period, n):
        x = _kernels.source_at(c, i, code)
        s += x
        s2 += x * x
        old = _kernels.source_at(c, i - period, code)
        s -= old
        s2 -= old * old
    m = s / period
    sd = np.sqrt(s2 / period - m * m)
    return m + devup * sd, m, m - devdn * sd


@numba.njit(cache=True)
def _bbands_windows(x, period, devup, devdn, warm, lo, hi, lanes):
    # _last_bbands(x[s:e]) for every e in lo..hi-1 (s = e - warm when warm > 0 and e > warm, else 0): the
    # same running sums per window; windows of full length run ``lanes`` at a time (LLVM vectorizes the loop
    # over the lanes, a runtime count over slices)
    out = np.empty((hi - lo, 3))
    first = hi if warm <= 0 else min(hi, max(lo, warm + 1))
    for e in range(lo, first):
        out[e - lo, 0], out[e - lo, 1], out[e - lo, 2] = _last_bbands(x[:e], period, devup, devdn)
    if first >= hi:
        return out
    if warm < period:
        out[first - lo:, :] = np.nan
        return out
    lanes = max(1, min(lanes, hi - first))
    s1 = np.empty(lanes)
    s2 = np.empty(lanes)
    for e0 in range(first, hi, lanes):
        m = min(lanes, hi - e0)
        b = e0 - warm
        s1[:m] = 0.0
        s2[:m] = 0.0
        for t in range(period):
            xs = x[b + t:b + t + m]
            for j in range(m):
                v = xs[j]
                s1[j] += v
                s2[j] += v * v
        for t in range(period, warm):
            xs = x[b + t:b + t + m]
            olds = x[b + t - period:b + t - period + m]
            for j in range(m):
                v = xs[j]
                o = olds[j]
                s1[j] = s1[j] + v - o
                s2[j] = s2[j] + v * v - o * o
        for j in range(m):
            mu = s1[j] / period
            sd = np.sqrt(s2[j] / period - mu * mu)
            out[e0 + j - lo, 0] = mu + devup * sd
            out[e0 + j - lo, 1] = mu
            out[e0 + j - lo, 2] = mu - devdn * sd
    return out


def _memo_bbands(candles, period, devup, devdn, source_type):
    return cached_last(candles, ("bollinger_bands", period, devup, devdn, 0, 0, source_type),
                       lambda slot, w, lo, hi: named_rows(BollingerBands, scalar_rows(_bbands_windows(
                           slot.source(source_type), period, devup, devdn, w, lo, hi, _kernels.LANES))))


def bollinger_bands(candles: np.ndarray, period: int = 20, devup: float = 2, devdn: float = 2,
                    matype: int = 0, devtype: int = 0, source_type: str = "close",
                    sequential: bool = False) -> BollingerBands:
    """BollingerBands(upperband, middleband, lowerband).

    ``matype`` picks the middle band's moving average (see ``ma``); ``devtype`` 0 = standard deviation,
    1 = mean absolute deviation, 2 = median absolute deviation.

    Example:
        >>> import numpy as np
        >>> bb = bollinger_bands(np.arange(1.0, 41.0))
        >>> bb.upperband > bb.middleband > bb.lowerband
        np.True_
    """
    if not sequential and (memo := active_memo()) is not None:
        # inside a backtest: a memo hit first, else the memo computes a run of bars ahead
        v = memo_hit(memo, candles, ("bollinger_bands", period, devup, devdn, matype, devtype, source_type))
        if v is not None:
            return v
        if matype == 0 and devtype == 0:
            v = _memo_bbands(candles, check_period(period), check_number(devup, "devup"),
                             check_number(devdn, "devdn"), source_type)
            if v is not None:
                return v
    period = check_period(period)
    devup = check_number(devup, "devup")
    devdn = check_number(devdn, "devdn")
    if devtype not in (0, 1, 2):
        raise ValueError(f"devtype must be 0, 1 or 2, got {devtype!r}")
    if not sequential and matype == 0 and devtype == 0:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return BollingerBands(*map(_f64, _last_bbands_rows(candles, code, _warmup_now(), period,
                                                               devup, devdn)))
    candles, source = source_of(candles, source_type, sequential)
    if matype == 0 and devtype == 0:
        if not sequential:
            return BollingerBands(*map(_f64, _last_bbands(source, period, devup, devdn)))
        up, mid, lo = _bbands_sma_std(source, period, devup, devdn)
    else:
        import jesse_dag.indicators as ta

        if devtype == 0:
            dev = _kernels.rolling_std(source, period)
        elif devtype == 1:
            dev = np.asarray(ta.mean_ad(source, period, sequential=True))
        else:
            dev = np.asarray(ta.median_ad(source, period, sequential=True))
        # VWMA (24) and VWAP (29) need the volume, so they get the candles, not the source
        ma_input = candles if matype in (24, 29) and candles.ndim == 2 else source
        mid = np.asarray(ta.ma(ma_input, period=period, matype=matype, sequential=True), dtype=np.float64)
        up = mid + devup * dev
        lo = mid - devdn * dev
    if sequential:
        return BollingerBands(up, mid, lo)
    return BollingerBands(_f64(up[-1]), _f64(mid[-1]), _f64(lo[-1]))
