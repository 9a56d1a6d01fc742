"""BETA - rolling beta of the candles' closes against a benchmark's closes."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _beta(x, y, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        mx = 0.0
        my = 0.0
        for k in range(i - period + 1, i + 1):
            mx += x[k]
            my += y[k]
        mx /= period
        my /= period
        num = 0.0
        den = 0.0
        for k in range(i - period + 1, i + 1):
            dy = y[k] - my
            num += (x[k] - mx) * dy
            den += dy * dy
        # a flat benchmark window gives inf/NaN, as numpy's division does in Jesse
        out[i] = num / den if den != 0.0 else (np.nan if num == 0.0 else np.sign(num) * np.inf)
    return out


@numba.njit(cache=True)
def _last_beta(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _beta(a0, a1, a2)[-1]


def beta(candles: np.ndarray, benchmark_candles: np.ndarray, period: int = 5,
         sequential: bool = False) -> float | np.ndarray:
    """cov(close, benchmark close) / var(benchmark close) over ``period`` bars.

    Both candle arrays are sliced the same way and must have the same length.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> c = candles_from_close_prices(np.linspace(100, 150, 30))
        >>> round(beta(c, c), 6)
        np.float64(1.0)
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "beta")
    b = ohlcv(benchmark_candles, sequential, "beta (benchmark_candles)")
    if b.shape[0] != c.shape[0]:
        raise ValueError(f"beta: candles ({c.shape[0]} rows) and benchmark_candles ({b.shape[0]} rows) "
                         "must have the same length")
    if not sequential:
        return _f64(_last_beta(c[:, CLOSE], b[:, CLOSE], period))
    return _beta(c[:, CLOSE], b[:, CLOSE], period)
