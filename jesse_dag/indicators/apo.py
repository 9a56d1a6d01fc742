"""APO - absolute price oscillator: fast MA minus slow MA."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import check_period, last_or_all, slice_candles
from jesse_dag.indicators.sma import _last_sma

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _apo_sma(x, fast_period, slow_period):
    # the fast SMA minus the slow one, subtracted in place (no third array)
    out = _kernels.sma(x, fast_period)
    slow = _kernels.sma(x, slow_period)
    for i in range(out.shape[0]):
        out[i] -= slow[i]
    return out


@numba.njit(cache=True)
def _last_apo_sma(x, fast_period, slow_period):
    return _last_sma(x, fast_period) - _last_sma(x, slow_period)


def apo(candles: np.ndarray, fast_period: int = 12, slow_period: int = 26, matype: int = 0,
        source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """``ma(fast) - ma(slow)``; ``matype`` as in ``ma`` (0 = SMA).

    Example:
        >>> import numpy as np
        >>> apo(np.arange(1.0, 60.0))
        np.float64(7.0)
    """
    fast_period = check_period(fast_period, "fast_period")
    slow_period = check_period(slow_period, "slow_period")
    candles = slice_candles(candles, sequential)  # Jesse slices even a 1-D series here
    source = _core.source(candles, source_type)
    if matype == 0:
        if not sequential:
            return _f64(_last_apo_sma(source, fast_period, slow_period))
        res = _apo_sma(source, fast_period, slow_period)
    else:
        import jesse_dag.indicators as ta

        if matype in (24, 29):  # volume-weighted averages need the candles
            fast = ta.ma(candles, period=fast_period, matype=matype, source_type=source_type, sequential=True)
            slow = ta.ma(candles, period=slow_period, matype=matype, source_type=source_type, sequential=True)
        else:
            fast = ta.ma(source, period=fast_period, matype=matype, sequential=True)
            slow = ta.ma(source, period=slow_period, matype=matype, sequential=True)
        res = np.asarray(fast, dtype=np.float64) - np.asarray(slow, dtype=np.float64)
    return last_or_all(res, sequential)
