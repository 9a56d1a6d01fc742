"""CMO - Chande momentum oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, get_candle_source, last_or_all, slice_candles


@numba.njit(cache=True)
def _cmo(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n <= period:
        return out
    for i in range(period, n):
        up = 0.0
        dn = 0.0
        for k in range(i - period + 1, i + 1):
            d = x[k] - x[k - 1]
            if d > 0.0:
                up += d
            elif d < 0.0:
                dn -= d
        tot = up + dn
        out[i] = 0.0 if tot == 0.0 else 100.0 * (up - dn) / tot
    return out


def cmo(candles: np.ndarray, period: int = 14, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """CMO over the last ``period`` changes; 0 on a flat window.

    Example:
        >>> import numpy as np
        >>> cmo(np.arange(1.0, 30.0))
        100.0
    """
    period = check_period(period)
    candles = slice_candles(candles, sequential)
    source = np.ascontiguousarray(get_candle_source(candles, source_type))
    return last_or_all(_cmo(source, period), sequential)
