"""CCI - commodity channel index on the typical price."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._fastpath import check_period, ohlcv


@numba.njit(cache=True)
def _cci(high, low, close, period):
    n = high.shape[0]
    tp = (high + low + close) / 3.0
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        m = 0.0
        for k in range(i - period + 1, i + 1):
            m += tp[k]
        m /= period
        md = 0.0
        for k in range(i - period + 1, i + 1):
            md += abs(tp[k] - m)
        md /= period
        out[i] = 0.0 if md == 0.0 else (tp[i] - m) / (0.015 * md)
    return out


@numba.njit(cache=True)
def _last_cci(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _cci(a0, a1, a2, a3)[-1]


def cci(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """CCI = (TP - SMA(TP)) / (0.015 * mean deviation); 0 when the deviation is 0.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> cci(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "cci")
    if not sequential:
        return float(_last_cci(c[:, HIGH], c[:, LOW], c[:, CLOSE], period))
    return _cci(c[:, HIGH], c[:, LOW], c[:, CLOSE], period)
