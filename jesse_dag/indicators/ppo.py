"""Percentage price oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core, _kernels

from jesse_dag.indicators.ema import _last_ema
from jesse_dag.indicators.sma import _last_sma
from jesse_dag.indicators._core import check_period, last_or_all, ohlcv, SOURCE_TYPES

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, error_model="numpy")  # a zero slow MA gives inf / NaN as numpy does
def _ppo(x, fast_period, slow_period, matype):
    # SMA (0) or EMA (1) lines with the shared kernels, then the ratio in one pass (no numpy temporaries)
    fast = _kernels.sma(x, fast_period) if matype == 0 else _kernels.ema(x, fast_period)
    slow = _kernels.sma(x, slow_period) if matype == 0 else _kernels.ema(x, slow_period)
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = 100 * (fast[i] - slow[i]) / slow[i]
    return out


@numba.njit(cache=True, error_model="numpy")
def _last_ppo(x, fast_period, slow_period, matype):
    # _ppo(...)[-1] from the averages' last values alone (the same recurrences, so the same bits)
    if matype == 0:
        fast = _last_sma(x, fast_period)
        slow = _last_sma(x, slow_period)
    else:
        fast = _last_ema(x, fast_period)
        slow = _last_ema(x, slow_period)
    return 100 * (fast - slow) / slow


def ppo(candles: np.ndarray, fast_period: int = 12, slow_period: int = 26, matype: int = 0,
        source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """``100 * (fast MA - slow MA) / slow MA``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> ppo(candles_from_close_prices(np.linspace(100, 120, 60))) > 0
        np.True_
    """
    ma = _core.indicator("ma")

    fast_period = check_period(fast_period, "ppo: fast_period")
    slow_period = check_period(slow_period, "ppo: slow_period")
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    c = ohlcv(candles, sequential, "ppo")
    if matype in (0, 1):
        src = _core.source(c, source_type)
        if not sequential:
            return _f64(_last_ppo(src, fast_period, slow_period, matype))
        return _ppo(src, fast_period, slow_period, matype)
    if matype in (24, 29):
        fast = ma(c, period=fast_period, matype=matype, source_type=source_type, sequential=True)
        slow = ma(c, period=slow_period, matype=matype, source_type=source_type, sequential=True)
    else:
        src = _core.source(c, source_type)
        fast = ma(src, period=fast_period, matype=matype, sequential=True)
        slow = ma(src, period=slow_period, matype=matype, sequential=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = 100 * (np.asarray(fast) - np.asarray(slow)) / np.asarray(slow)
    return last_or_all(res, sequential)
