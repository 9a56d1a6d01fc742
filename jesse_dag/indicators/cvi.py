"""CVI - Chaikin's volatility: rate of change of the EMA of (high - low)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _cvi(c, period):
    # the EMA of high - low (seeded at the first range, as _kernels.ema_alpha) and its rate of change over
    # ``period`` rows in one pass over the 2-D candles; the last ``period + 1`` EMA values live in a ring
    n = c.shape[0]
    out = np.empty(n)
    out[:min(period, n)] = np.nan
    if n <= period:
        return out
    cap = 1
    while cap < period + 1:
        cap *= 2
    mask = cap - 1
    ring = np.empty(cap)
    alpha = 2.0 / (period + 1.0)
    e = c[0, HIGH] - c[0, LOW]
    ring[0] = e
    for i in range(1, n):
        e = alpha * (c[i, HIGH] - c[i, LOW]) + (1.0 - alpha) * e
        ring[i & mask] = e
        if i >= period:
            prev = ring[(i - period) & mask]
            out[i] = (e - prev) / prev * 100.0 if prev != 0.0 else 0.0
    return out


@numba.njit(cache=True)
def _last_cvi(a0, a1):
    # the last value only (it depends on every row through the EMA, so the whole window runs): returning
    # an array to Python costs more than the kernel on a short window
    return _cvi(a0, a1)[-1]


def cvi(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Chaikin's volatility in percent.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> isinstance(cvi(candles_from_close_prices(np.linspace(100, 150, 60))), float)
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "cvi")
    if not sequential:
        return _f64(_last_cvi(c, period))
    return _cvi(c, period)
