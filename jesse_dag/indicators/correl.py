"""CORREL - rolling Pearson correlation of high and low."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def pearson(x, y, period):
    """Rolling Pearson correlation (two-pass per window; NaN warm-up, NaN on a zero variance)."""
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
        sxy = 0.0
        sxx = 0.0
        syy = 0.0
        for k in range(i - period + 1, i + 1):
            dx = x[k] - mx
            dy = y[k] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        den = np.sqrt(sxx * syy)
        out[i] = sxy / den if den != 0.0 else (np.nan if sxy == 0.0 else np.sign(sxy) * np.inf)
    return out


@numba.njit(cache=True)
def _last_pearson(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return pearson(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_pearson_rows(c, warm, a0):
    # _last_pearson on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_pearson(w[:, HIGH], w[:, LOW], a0)


def correl(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Correlation of high and low over ``period`` bars.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> correl(candles_from_close_prices(np.linspace(100, 150, 60))) > 0.9
        np.True_
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_pearson_rows(candles, _warmup_now(), period))
    c = ohlcv(candles, sequential, "correl")
    if not sequential:
        return _f64(_last_pearson(c[:, HIGH], c[:, LOW], period))
    return pearson(c[:, HIGH], c[:, LOW], period)
