"""Moving average bands."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.indicators import _core
from jesse_dag.indicators._core import check_number, check_period, get_candle_source, ohlcv, SOURCE_TYPES

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

MAB = namedtuple("MAB", ["upperband", "middleband", "lowerband"])


def mab(candles: np.ndarray, fast_period: int = 10, slow_period: int = 50, devup: float = 1, devdn: float = 1,
        fast_matype: int = 0, slow_matype: int = 0, source_type: str = "close", sequential: bool = False) -> MAB:
    """Middle band: the fast MA; upper/lower: the slow MA plus/minus a deviation of fast - slow.

    As in Jesse, the deviation is one number: the RMS of (fast - slow) over the last ``fast_period``
    rows of the whole input, so earlier band values use a deviation from the future.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> m = mab(candles_from_close_prices(np.linspace(100, 110, 80)))
        >>> m.lowerband <= m.upperband
        np.True_
    """
    ma = _core.indicator("ma")

    fast_period = check_period(fast_period, "mab: fast_period")
    slow_period = check_period(slow_period, "mab: slow_period")
    devup = check_number(devup, "mab: devup")
    devdn = check_number(devdn, "mab: devdn")
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    c = ohlcv(candles, sequential, "mab")
    src = c if fast_matype in (24, 29) or slow_matype in (24, 29) else np.ascontiguousarray(
        get_candle_source(c, source_type))
    fast = np.asarray(ma(src, period=fast_period, matype=fast_matype, source_type=source_type, sequential=True))
    slow = np.asarray(ma(src, period=slow_period, matype=slow_matype, source_type=source_type, sequential=True))
    dev = np.sqrt(np.sum(np.power(fast - slow, 2)[-fast_period:]) / fast_period)
    upper = slow + devup * dev
    lower = slow - devdn * dev
    if sequential:
        return MAB(upper, fast, lower)
    return MAB(_f64(upper[-1]), _f64(fast[-1]), _f64(lower[-1]))
