"""Mass index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels, _kernels_bars
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_mass_index(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_bars.mass_index(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_mass_index_rows(c, warm, period):
    # _last_mass_index on Jesse's trailing ``warm`` rows of 2-D candles (the fast lane), without the arrays:
    # the two EMA recurrences as _kernels_averages.ema_seeded runs them and the last window's ratios summed in the same order
    s0 = _kernels.window_start(c.shape[0], warm)
    n = c.shape[0] - s0
    if n == 0:
        return _last_mass_index(c[s0:, HIGH], c[s0:, LOW], period)
    alpha = 2.0 / (9 + 1.0)
    e1 = c[s0, HIGH] - c[s0, LOW]
    e2 = e1
    first = n - period  # the last window's first row (when >= 0)
    total = 0.0
    for k in range(n):
        if k > 0:
            r = c[s0 + k, HIGH] - c[s0 + k, LOW]
            e1 = alpha * r + (1.0 - alpha) * e1
            e2 = alpha * e1 + (1.0 - alpha) * e2
        if first >= 0 and k >= first:
            total += e1 / e2 if e2 != 0.0 else 0.0
    return total


@numba.njit(cache=True)
def _mass_rows(c, period):
    # _kernels_bars.mass_index on 2-D candles: the range and both EMAs carried row to row (as _kernels_averages.ema_seeded runs them,
    # rows read with scalar loads), the ratios stored once and every window summed oldest first from 0.0 many
    # windows at a time (the same bits as _kernels_bars.mass_index's loop)
    n = c.shape[0]
    out = np.zeros(n)
    if n == 0:
        return out
    ratio = np.empty(n)
    alpha = 2.0 / (9 + 1.0)
    e1 = c[0, HIGH] - c[0, LOW]
    e2 = e1
    ratio[0] = e1 / e2 if e2 != 0.0 else 0.0
    for i in range(1, n):
        r = _kernels.scalar_row(i)
        e1 = alpha * (c[r, HIGH] - c[r, LOW]) + (1.0 - alpha) * e1
        e2 = alpha * e1 + (1.0 - alpha) * e2
        ratio[i] = e1 / e2 if e2 != 0.0 else 0.0
    if n >= period:
        _kernels.dot_windows_oldest_first(ratio, np.ones(period), period - 1, n, out, _kernels.BLOCK)
    return out


def mass(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Sum over ``period`` of EMA9(range) / EMA9(EMA9(range)); 0.0 (not NaN) before the first window.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 4 < mass(candles_from_close_prices(np.linspace(100, 110, 80))) < 6
        np.True_
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_mass_index_rows(candles, _warmup_now(), period))
    c = ohlcv(candles, sequential, "mass")
    if not sequential:
        return _f64(_last_mass_index(c[:, HIGH], c[:, LOW], period))
    return _mass_rows(c, period)
