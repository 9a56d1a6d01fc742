"""RSI Laguerre filter (Ehlers)."""
from __future__ import annotations

import math

import numba
import numpy as np

from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_number, ohlcv


@numba.njit(cache=True)
def _last_lrsi(c, alpha):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return k2.laguerre_rsi(fp.derived_source(c, 6), alpha)[-1]


def lrsi(candles: np.ndarray, alpha: float = 0.2, sequential: bool = False) -> float | np.ndarray | None:
    """Laguerre RSI (0..1) of the median price; None if the last value is NaN.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= lrsi(candles_from_close_prices(np.linspace(100, 110, 60))) <= 1
        True
    """
    alpha = check_number(alpha, "lrsi: alpha")
    c = ohlcv(candles, sequential, "lrsi")
    if not sequential:
        v = _last_lrsi(c, alpha)
        return None if math.isnan(v) else float(v)
    return k2.laguerre_rsi(fp.derived_source(c, 6), alpha)
