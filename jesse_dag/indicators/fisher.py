"""Fisher transform of the normalised hl2."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

FisherTransform = namedtuple("FisherTransform", ["fisher", "signal"])


@numba.njit(cache=True)
def _fisher(high, low, period):
    n = high.shape[0]
    mid = (high + low) / 2.0
    fish = np.zeros(n)
    sig = np.zeros(n)
    v1 = 0.0
    for i in range(period, n):
        hi = mid[i + 1 - period]
        lo = hi
        for k in range(i + 2 - period, i + 1):
            hi = max(hi, mid[k])
            lo = min(lo, mid[k])
        if hi - lo == 0.0:
            v0 = 0.0
        else:
            v0 = 0.33 * 2.0 * ((mid[i] - lo) / (hi - lo) - 0.5) + 0.67 * v1
        v0 = min(max(v0, -0.999), 0.999)
        fish[i] = 0.5 * np.log((1.0 + v0) / (1.0 - v0)) + 0.5 * fish[i - 1]
        sig[i] = fish[i - 1]
        v1 = v0
    return fish, sig


@numba.njit(cache=True)
def _last_fisher(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _fisher(a0, a1, a2)
    return r[0][-1], r[1][-1]


@numba.njit(cache=True)
def _last_fisher_rows(c, warm, a0):
    # _last_fisher on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_fisher(w[:, HIGH], w[:, LOW], a0)


def fisher(candles: np.ndarray, period: int = 9, sequential: bool = False) -> FisherTransform:
    """FisherTransform(fisher, signal); 0 during the warm-up.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> fisher(candles_from_close_prices(np.linspace(100, 150, 60))).fisher > 0
        np.True_
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return FisherTransform(*map(_f64, _last_fisher_rows(candles, _warmup_now(), period)))
    c = ohlcv(candles, sequential, "fisher")
    if not sequential:
        return FisherTransform(*map(_f64, _last_fisher(c[:, HIGH], c[:, LOW], period)))
    return FisherTransform(*_fisher(c[:, HIGH], c[:, LOW], period))
