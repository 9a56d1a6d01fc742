"""ERI - Elder ray index: high and low relative to a moving average."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

ERI = namedtuple("ERI", ["bull", "bear"])


@numba.njit(cache=True)
def _last_avg(source, period, matype):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return (_kernels.sma(source, period) if matype == 0 else _kernels.ema(source, period))[-1]


@numba.njit(cache=True)
def _eri(c, source, period, matype):
    # high - MA and low - MA in one pass over the rows, the EMA computed inline (no MA temporary)
    n = c.shape[0]
    bull = np.empty(n)
    bear = np.empty(n)
    if matype == 0:
        avg = _kernels.sma(source, period)
        for i in range(n):
            bull[i] = c[i, HIGH] - avg[i]
            bear[i] = c[i, LOW] - avg[i]
        return bull, bear
    if n == 0 or period > n:
        bull[:] = np.nan
        bear[:] = np.nan
        return bull, bear
    # _kernels.ema's recurrence, so the same bits
    alpha = 2.0 / (period + 1.0)
    keep = 1.0 - alpha
    y = source[0]
    bull[0] = c[0, HIGH] - y
    bear[0] = c[0, LOW] - y
    for i in range(1, n):
        y = alpha * source[i] + keep * y
        bull[i] = c[i, HIGH] - y
        bear[i] = c[i, LOW] - y
    return bull, bear


def eri(candles: np.ndarray, period: int = 13, matype: int = 1, source_type: str = "close",
        sequential: bool = False) -> ERI:
    """ERI(bull, bear) = high - MA, low - MA (``matype`` as in ``ma``; 1 = EMA).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> eri(candles_from_close_prices(np.linspace(100, 150, 60))).bull > 0
        np.True_
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "eri")
    source = _core.source(c, source_type)
    if matype in (0, 1) and not sequential:
        avg = _last_avg(source, period, matype)
        return ERI(_f64(c[-1, HIGH] - avg), _f64(c[-1, LOW] - avg))
    if matype in (0, 1):
        return ERI(*_eri(c, source, period, matype))
    if matype == 1:
        avg = _kernels.ema(source, period)
    elif matype == 0:
        avg = _kernels.sma(source, period)
    else:
        import jesse_dag.indicators as ta

        arg = c if matype in (24, 29) else source
        kw = {"source_type": source_type} if matype in (24, 29) else {}
        avg = np.asarray(ta.ma(arg, period=period, matype=matype, sequential=True, **kw), dtype=np.float64)
    if not sequential:
        return ERI(_f64(c[-1, HIGH] - avg[-1]), _f64(c[-1, LOW] - avg[-1]))
    return ERI(c[:, HIGH] - avg, c[:, LOW] - avg)
