"""Mass index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_period, ohlcv


@numba.njit(cache=True)
def _last_k2_mass_index(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return k2.mass_index(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_k2_mass_index_rows(c, warm, a0):
    # _last_k2_mass_index on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_k2_mass_index(w[:, HIGH], w[:, LOW], a0)


def mass(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Sum over ``period`` of EMA9(range) / EMA9(EMA9(range)); 0.0 (not NaN) before the first window.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 4 < mass(candles_from_close_prices(np.linspace(100, 110, 80))) < 6
        True
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return float(_last_k2_mass_index_rows(candles, _warmup_candles_num.get(), period))
    c = ohlcv(candles, sequential, "mass")
    if not sequential:
        return float(_last_k2_mass_index(c[:, HIGH], c[:, LOW], period))
    return k2.mass_index(c[:, HIGH], c[:, LOW], period)
