"""VLMA: Variable Length Moving Average (Jesse ``ta.vlma``).

An EMA whose period moves between ``min_period`` and ``max_period``: +1 when the price sits within
±0.25 deviations of the ``max_period`` mean, -1 when it is beyond ±1.75 deviations. With ``devtype=0``
the deviation uses growing windows for the first ``max_period - 1`` rows, as Jesse does.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels import rolling_std
from jesse_dag.indicators._kernels_averages import moving_average
from jesse_dag.indicators._kernels_rolling import deviation

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _expanding_std_head(source, window, std):
    # rows before the first full window: population std of source[:i+1] via E[x²]-E[x]², floored at 0
    n = source.shape[0]
    head = min(n, window - 1) if n >= window else n
    s = 0.0
    s2 = 0.0
    for i in range(head):
        s += source[i]
        s2 += source[i] * source[i]
        mean = s / (i + 1)
        std[i] = np.sqrt(max(s2 / (i + 1) - mean * mean, 0.0))
    return std


@numba.njit(cache=True)
def _vlma(source, a, b, c, d, min_period, max_period):
    n = source.shape[0]
    out = source.copy()
    period = float(max_period)
    for i in range(1, n):
        if b[i] <= source[i] <= c[i]:
            nxt = period + 1.0
        elif source[i] < a[i] or source[i] > d[i]:
            nxt = period - 1.0
        else:
            nxt = period
        period = min(max(nxt, float(min_period)), float(max_period))
        sc = 2.0 / (period + 1.0)
        out[i] = source[i] * sc + (1.0 - sc) * out[i - 1]
    return out


def vlma(candles: np.ndarray, min_period: int = 5, max_period: int = 50, matype: int = 0, devtype: int = 0,
         source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Variable length moving average, seeded with the first value.

    Example:
        >>> import numpy as np
        >>> vlma(np.full(60, 2.0))
        np.float64(2.0)
    """
    min_period = check_period(min_period, "min_period")
    max_period = check_period(max_period, "max_period")
    candles_2d, source = source_of(candles, source_type, sequential)
    if matype in (24, 29):
        from jesse_dag.indicators._core import indicator

        mean = np.asarray(indicator("ma")(candles_2d, period=max_period, matype=matype, source_type=source_type,
                                        sequential=True), dtype=np.float64)
    else:
        mean = moving_average(source, max_period, matype)
    if devtype == 0:
        std = rolling_std(source, max_period)
        std = _expanding_std_head(source, max_period, std)
    else:
        std = deviation(source, max_period, devtype)
    res = _vlma(source, mean - 1.75 * std, mean - 0.25 * std, mean + 0.25 * std, mean + 1.75 * std,
                min_period, max_period)
    return res if sequential else _f64(res[-1])
