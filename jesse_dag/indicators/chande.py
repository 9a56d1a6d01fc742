"""Chandelier exit: highest high (lowest low) minus (plus) a multiple of the ATR."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_number, check_period, ohlcv


@numba.njit(cache=True)
def _chande(high, low, close, period, mult, is_long):
    n = high.shape[0]
    out = np.full(n, np.nan)
    if n < period:
        return out
    atr = _kernels.wilder(_kernels.true_range(high, low, close), period)
    if is_long:
        ext = _kernels.rolling_max(high, period)
        for i in range(period - 1, n):
            out[i] = ext[i] - atr[i] * mult
    else:
        ext = _kernels.rolling_min(low, period)
        for i in range(period - 1, n):
            out[i] = ext[i] + atr[i] * mult
    return out


@numba.njit(cache=True)
def _last_chande(a0, a1, a2, a3, a4, a5):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _chande(a0, a1, a2, a3, a4, a5)[-1]


def chande(candles: np.ndarray, period: int = 22, mult: float = 3.0, direction: str = "long",
           sequential: bool = False) -> float | np.ndarray:
    """Chandelier exit for ``direction`` 'long' or 'short'.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> chande(candles_from_close_prices(np.linspace(100, 150, 60))) < 150
        True
    """
    period = check_period(period)
    mult = check_number(mult, "mult")
    if direction not in ("long", "short"):
        raise ValueError("The direction parameter must be 'short' or 'long'")
    c = ohlcv(candles, sequential, "chande")
    if not sequential:
        return float(_last_chande(c[:, HIGH], c[:, LOW], c[:, CLOSE], period, mult, direction == 'long'))
    out = _chande(c[:, HIGH], c[:, LOW], c[:, CLOSE], period, mult, direction == "long")
    return out
