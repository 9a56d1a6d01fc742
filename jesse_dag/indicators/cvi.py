"""CVI - Chaikin's volatility: rate of change of the EMA of (high - low)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_period, ohlcv


@numba.njit(cache=True)
def _cvi(high, low, period):
    n = high.shape[0]
    out = np.full(n, np.nan)
    if n <= period:
        return out
    e = _kernels.ema_alpha(high - low, 2.0 / (period + 1.0))
    for i in range(period, n):
        prev = e[i - period]
        out[i] = (e[i] - prev) / prev * 100.0 if prev != 0.0 else 0.0
    return out


@numba.njit(cache=True)
def _last_cvi(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _cvi(a0, a1, a2)[-1]


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
        return float(_last_cvi(c[:, HIGH], c[:, LOW], period))
    return _cvi(c[:, HIGH], c[:, LOW], period)
