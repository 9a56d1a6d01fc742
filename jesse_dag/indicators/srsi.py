"""SRSI: stochastic RSI (Jesse ``ta.srsi``).

Wilder RSI (first value at row ``period``), stochastic over the last ``period_stoch`` RSI values (NaN when
flat), %K = mean of the last ``k`` stochastic values (NaN unless all are defined), %D = mean of the last
``d`` defined %K values.
"""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of

StochasticRSI = namedtuple("StochasticRSI", ["k", "d"])


@numba.njit(cache=True)
def _srsi(source, period, period_stoch, k_period, d_period):
    n = source.shape[0]
    k_out = np.full(n, np.nan)
    d_out = np.full(n, np.nan)
    if n <= period:
        return k_out, d_out
    gain = 0.0
    loss = 0.0
    for i in range(1, period + 1):
        ch = source[i] - source[i - 1]
        if ch > 0.0:
            gain += ch
        else:
            loss += abs(ch)
    avg_gain = gain / period
    avg_loss = loss / period
    rsi_buf = np.empty(n)
    stoch_buf = np.empty(n)
    n_rsi = 0
    n_stoch = 0
    for i in range(period, n):
        if i > period:
            ch = source[i] - source[i - 1]
            g = ch if ch > 0.0 else 0.0
            lo = 0.0 if ch > 0.0 else abs(ch)
            avg_gain = (avg_gain * (period - 1.0) + g) / period
            avg_loss = (avg_loss * (period - 1.0) + lo) / period
        if avg_loss == 0.0:
            rsi = 100.0
        else:
            rsi = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
        rsi_buf[n_rsi] = rsi
        n_rsi += 1
        if n_rsi >= period_stoch:
            lo_v = np.inf
            hi_v = -np.inf
            for j in range(n_rsi - period_stoch, n_rsi):
                lo_v = min(lo_v, rsi_buf[j])
                hi_v = max(hi_v, rsi_buf[j])
            kv = 100.0 * (rsi - lo_v) / (hi_v - lo_v) if hi_v != lo_v else np.nan
            if k_period > 1:
                stoch_buf[n_stoch] = kv
                n_stoch += 1
                if n_stoch >= k_period:
                    total = 0.0
                    ok = True
                    for j in range(n_stoch - k_period, n_stoch):
                        if np.isnan(stoch_buf[j]):
                            ok = False
                        total += stoch_buf[j]
                    if ok:
                        k_out[i] = total / k_period
            else:
                k_out[i] = kv
    buf = np.empty(n)
    m = 0
    for i in range(n):
        if not np.isnan(k_out[i]):
            buf[m] = k_out[i]
            m += 1
            if m >= d_period:
                total = 0.0
                for j in range(m - d_period, m):
                    total += buf[j]
                d_out[i] = total / d_period
    return k_out, d_out


def srsi(candles: np.ndarray, period: int = 14, period_stoch: int = 14, k: int = 3, d: int = 3,
         source_type: str = "close", sequential: bool = False) -> StochasticRSI:
    """Stochastic RSI %K and %D.

    Example:
        >>> import numpy as np
        >>> x = np.array([1.0, 2, 1, 2, 3, 2, 3, 4, 3, 4])
        >>> srsi(x, period=2, period_stoch=2, k=1, d=1).k
        100.0
    """
    period = check_period(period)
    period_stoch = check_period(period_stoch, "period_stoch")
    k = check_period(k, "k")
    d = check_period(d, "d")
    _, source = source_of(candles, source_type, sequential)
    k_line, d_line = _srsi(source, period, period_stoch, k, d)
    if sequential:
        return StochasticRSI(k_line, d_line)
    return StochasticRSI(float(k_line[-1]), float(d_line[-1]))
