"""Stiffness by DaviddTech (Jesse ``ta.stiffness``); like Jesse it has no ``sequential`` flag.

Counts, over the last ``stiff_length`` bars, closes above ``sma - 0.2·std`` (both over ``ma_length``),
scales to percent and returns the last value of its EMA (``stiff_smooth``, seeded with the first value).
Rows before ``stiff_length`` count 0. Candles are sliced to the warm-up window first, as in Jesse.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels import rolling_std, sma

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _stiffness_last(source, ma_length, stiff_length, stiff_smooth):
    n = source.shape[0]
    bound = sma(source, ma_length) - 0.2 * rolling_std(source, ma_length)
    above = np.zeros(n)
    for i in range(n):
        above[i] = 1.0 if source[i] > bound[i] else 0.0
    if stiff_smooth > n:
        return np.nan
    alpha = 2.0 / (stiff_smooth + 1.0)
    value = 0.0
    for i in range(n):
        count = 0.0
        if i >= stiff_length:
            for j in range(i - stiff_length + 1, i + 1):
                count += above[j]
        x = count * 100.0 / stiff_length
        value = x if i == 0 else alpha * x + (1.0 - alpha) * value
    return value


def stiffness(candles: np.ndarray, ma_length: int = 100, stiff_length: int = 60, stiff_smooth: int = 3,
              source_type: str = "close") -> float:
    """Stiffness (0..100) of the latest bar.

    Example:
        >>> import numpy as np
        >>> stiffness(np.full(10, 2.0), ma_length=3, stiff_length=2)
        np.float64(0.0)
    """
    ma_length = check_period(ma_length, "ma_length")
    stiff_length = check_period(stiff_length, "stiff_length")
    stiff_smooth = check_period(stiff_smooth, "stiff_smooth")
    _, source = source_of(candles, source_type, False)
    return _f64(_stiffness_last(source, ma_length, stiff_length, stiff_smooth))
