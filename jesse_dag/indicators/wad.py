"""WAD: Williams accumulation/distribution as Jesse 3.5.3 computes it (Jesse ``ta.wad``).

Jesse's kernel uses the *open* column where the textbook uses the close; reproduced as is.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.candles.columns import HIGH, LOW, OPEN
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import ohlcv


@numba.njit(cache=True)
def _wad(price, high, low):
    n = price.shape[0]
    out = np.zeros(n)
    cum = 0.0
    for i in range(1, n):
        cur = price[i]
        prev = price[i - 1]
        if cur > prev:
            ad = cur - min(low[i], prev)
        elif cur < prev:
            ad = cur - max(high[i], prev)
        else:
            ad = 0.0
        cum += ad
        out[i] = cum
    return out


@numba.njit(cache=True)
def _last_wad(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _wad(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_wad_rows(c, warm):
    # _last_wad on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_wad(w[:, OPEN], w[:, HIGH], w[:, LOW])


def wad(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Cumulative Williams A/D (0 at row 0).

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1.0, 1, 2, 0.5, 1], [1, 2.0, 2, 3, 1.5, 1]])
        >>> wad(c, sequential=True).tolist()
        [0.0, 1.0]
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return float(_last_wad_rows(candles, _warmup_candles_num.get()))
    c = ohlcv(candles, sequential, "wad")
    if not sequential:
        return float(_last_wad(c[:, OPEN], c[:, HIGH], c[:, LOW]))
    res = _wad(c[:, OPEN], c[:, HIGH], c[:, LOW])
    return res
