"""CG - Ehlers center of gravity oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, get_candle_source, last_or_all, slice_candles


@numba.njit(cache=True)
def _cg(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if period < 2 or n <= period:
        return out
    # Jesse's window holds period-1 bars ending at i, weights 1 (newest) .. period-1; first value at period+1
    for i in range(period + 1, n):
        num = 0.0
        den = 0.0
        for k in range(i - period + 2, i + 1):
            num += (1.0 + i - k) * x[k]
            den += x[k]
        out[i] = -num / den if den != 0.0 else 0.0
    return out


def cg(candles: np.ndarray, period: int = 10, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Center of gravity.

    Example:
        >>> import numpy as np
        >>> cg(np.ones(30))
        -5.0
    """
    period = check_period(period)
    candles = slice_candles(candles, sequential)
    source = np.ascontiguousarray(get_candle_source(candles, source_type))
    return last_or_all(_cg(source, period), sequential)
