"""Chandelier exit: highest high (lowest low) minus (plus) a multiple of the ATR."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _chande(c, period, mult, is_long):
    # the ATR (true range + Wilder's RMA) computed inline on the 2-D candles: no column copies and no
    # true-range / ATR temporaries; the window extreme from the shared O(n) rolling kernel
    n = c.shape[0]
    out = np.empty(n)
    if n < period:
        out[:] = np.nan
        return out
    out[:period - 1] = np.nan
    ext = _kernels.rolling_max(c[:, HIGH], period) if is_long else _kernels.rolling_min(c[:, LOW], period)
    total = 0.0
    for i in range(period):
        total += _kernels.true_range_at(c, i, HIGH, LOW, CLOSE)
    atr = total / period
    alpha = 1.0 / period
    for i in range(period - 1, n):
        if i >= period:
            atr = atr + alpha * (_kernels.true_range_at(c, i, HIGH, LOW, CLOSE) - atr)
        out[i] = ext[i] - atr * mult if is_long else ext[i] + atr * mult
    return out


@numba.njit(cache=True)
def _last_chande(c, period, mult, is_long):
    # _chande(...)[-1] without arrays: the same ATR recurrence, and the last window's extreme scanned as
    # the rolling kernel's naive scan does (the same value as its deque on NaN-free data)
    n = c.shape[0]
    if n < period:
        return np.nan
    total = 0.0
    for i in range(period):
        total += _kernels.true_range_at(c, i, HIGH, LOW, CLOSE)
    atr = total / period
    alpha = 1.0 / period
    for i in range(period, n):
        atr = atr + alpha * (_kernels.true_range_at(c, i, HIGH, LOW, CLOSE) - atr)
    col = HIGH if is_long else LOW
    m = c[n - period, col]
    for k in range(n - period + 1, n):
        v = c[k, col]
        if (v > m) if is_long else (v < m):
            m = v
    return m - atr * mult if is_long else m + atr * mult


def chande(candles: np.ndarray, period: int = 22, mult: float = 3.0, direction: str = "long",
           sequential: bool = False) -> float | np.ndarray:
    """Chandelier exit for ``direction`` 'long' or 'short'.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> chande(candles_from_close_prices(np.linspace(100, 150, 60))) < 150
        np.True_
    """
    period = check_period(period)
    mult = check_number(mult, "mult")
    if direction not in ("long", "short"):
        raise ValueError("The direction parameter must be 'short' or 'long'")
    c = ohlcv(candles, sequential, "chande")
    if not sequential:
        return _f64(_last_chande(c, period, mult, direction == "long"))
    return _chande(c, period, mult, direction == "long")
