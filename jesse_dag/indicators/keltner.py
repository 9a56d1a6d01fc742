"""Keltner channels."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _core, _kernels

from jesse_dag.indicators._core import check_number, check_period, ohlcv, SOURCE_TYPES

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

KeltnerChannel = namedtuple("KeltnerChannel", ["upperband", "middleband", "lowerband"])


@numba.njit(cache=True)
def _keltner(src, high, low, close, period, multiplier, matype):
    mid = _kernels.sma(src, period) if matype == 0 else _kernels.ema(src, period)
    atr = _kernels.wilder(_kernels.true_range(high, low, close), period)
    return mid + atr * multiplier, mid, mid - atr * multiplier


@numba.njit(cache=True)
def _last_keltner(src, high, low, close, period, multiplier, matype):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    up, mid, lo = _keltner(src, high, low, close, period, multiplier, matype)
    return up[-1], mid[-1], lo[-1]


def keltner(candles: np.ndarray, period: int = 20, multiplier: float = 2, matype: int = 1,
            source_type: str = "close", sequential: bool = False) -> KeltnerChannel:
    """Middle band ``MA(source)``; bands at ``multiplier`` times the ATR (Wilder, SMA seed) around it.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> k = keltner(candles_from_close_prices(np.linspace(100, 110, 60)))
        >>> k.lowerband < k.middleband < k.upperband
        np.True_
    """
    ma = _core.indicator("ma")

    period = check_period(period)
    multiplier = check_number(multiplier, "keltner: multiplier")
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    c = ohlcv(candles, sequential, "keltner")
    if matype in (0, 1):  # what ``ma`` dispatches to (sma / ema on the source), in one kernel call
        src = _core.source(c, source_type)
        if not sequential:
            return KeltnerChannel(*map(_f64, _last_keltner(src, c[:, HIGH], c[:, LOW], c[:, CLOSE], period,
                                                            float(multiplier), matype)))
        return KeltnerChannel(*_keltner(src, c[:, HIGH], c[:, LOW], c[:, CLOSE], period, float(multiplier), matype))
    if matype in (24, 29):
        mid = ma(c, period=period, matype=matype, source_type=source_type, sequential=True)
    else:
        mid = ma(_core.source(c, source_type), period=period, matype=matype,
                 sequential=True)
    mid = np.asarray(mid, dtype=np.float64)
    atr = _kernels.wilder(_kernels.true_range(c[:, HIGH], c[:, LOW], c[:, CLOSE]), period)
    up = mid + atr * multiplier
    low = mid - atr * multiplier
    if sequential:
        return KeltnerChannel(up, mid, low)
    return KeltnerChannel(_f64(up[-1]), _f64(mid[-1]), _f64(low[-1]))
