"""Building higher-timeframe candles from 1-minute rows (numba kernels).

A candle built from k one-minute rows is ``[ts of first, open of first, close of last, max high,
min low, sum volume]``.
"""
from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def _group_by_count(candles: np.ndarray, k: int) -> np.ndarray:
    n = candles.shape[0] // k
    out = np.empty((n, 6), dtype=np.float64)
    for g in range(n):
        s = g * k
        hi = candles[s, 3]
        lo = candles[s, 4]
        vol = 0.0
        for j in range(s, s + k):
            if candles[j, 3] > hi:
                hi = candles[j, 3]
            if candles[j, 4] < lo:
                lo = candles[j, 4]
            vol += candles[j, 5]
        out[g, 0] = candles[s, 0]
        out[g, 1] = candles[s, 1]
        out[g, 2] = candles[s + k - 1, 2]
        out[g, 3] = hi
        out[g, 4] = lo
        out[g, 5] = vol
    return out


def group_by_count(candles_1m: np.ndarray, k: int) -> np.ndarray:
    """Group every ``k`` rows from the first row into one candle (a trailing incomplete group is dropped).

    Example:
        >>> import numpy as np
        >>> one = np.array([[0, 1, 2, 3, 0.5, 1], [60000, 2, 3, 4, 1.5, 2]], dtype=float)
        >>> group_by_count(one, 2).tolist()
        [[0.0, 1.0, 3.0, 4.0, 0.5, 3.0]]
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    arr = np.ascontiguousarray(candles_1m, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 6:
        raise ValueError(f"candles: expected shape (N, 6), got {arr.shape}")
    return _group_by_count(arr, int(k))
