"""AD - Chaikin accumulation/distribution line."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW, VOLUME
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def money_flow_volume(high, low, close, volume):
    n = high.shape[0]
    out = np.empty(n)
    for i in range(n):
        rng = high[i] - low[i]
        mult = ((close[i] - low[i]) - (high[i] - close[i])) / rng if rng != 0.0 else 0.0
        out[i] = mult * volume[i]
    return out


@numba.njit(cache=True)
def _ad(high, low, close, volume):
    return np.cumsum(money_flow_volume(high, low, close, volume))


@numba.njit(cache=True)
def _last_ad(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _ad(a0, a1, a2, a3)[-1]


@numba.njit(cache=True)
def _last_ad_rows(c, warm):
    # _last_ad on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_ad(w[:, HIGH], w[:, LOW], w[:, CLOSE], w[:, VOLUME])


def ad(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Cumulative money-flow volume (a zero range bar contributes 0).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> isinstance(ad(candles_from_close_prices(np.linspace(100, 150, 60))), float)
        True
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_ad_rows(candles, _warmup_now()))
    c = ohlcv(candles, sequential, "ad")
    if not sequential:
        return _f64(_last_ad(c[:, HIGH], c[:, LOW], c[:, CLOSE], c[:, VOLUME]))
    return _ad(c[:, HIGH], c[:, LOW], c[:, CLOSE], c[:, VOLUME])
