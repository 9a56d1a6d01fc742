"""Jsa moving average."""
from __future__ import annotations

import numba
import numpy as np


from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _jsa(x, period):
    # (x + x shifted by ``period``) / 2 in one pass (no shifted temporary); the NaN head as np_shift gives
    n = x.shape[0]
    out = np.empty(n)
    out[:min(period, n)] = np.nan
    for i in range(period, n):
        out[i] = (x[i] + x[i - period]) / 2
    return out


def jsa(candles: np.ndarray, period: int = 30, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Mean of the value now and ``period`` rows ago (NaN for the first ``period`` rows).

    Example:
        >>> import numpy as np
        >>> jsa(np.arange(0.0, 40.0))
        np.float64(24.0)
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    if sequential:
        return _jsa(source, period)
    n = source.shape[0]
    return _f64((source[n - 1] + source[n - 1 - period]) / 2) if n > period else _f64("nan")
