"""Normalized average true range."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, column, last_or_all, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def natr(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """``100 * ATR / close`` with Wilder's ATR (SMA seed); NaN for the first ``period-1`` rows.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> natr(candles_from_close_prices(np.linspace(100, 110, 60))) > 0
        np.True_
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "natr")
    close = column(c, CLOSE)
    atr = _kernels.wilder(_kernels.true_range(c[:, HIGH], c[:, LOW], close), period)
    return last_or_all(atr / close * 100, sequential)
