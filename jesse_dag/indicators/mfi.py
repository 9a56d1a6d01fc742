"""Money flow index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW, VOLUME
from jesse_dag.indicators import _kernels, _kernels_volume
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_money_flow_index(a0, a1, a2, a3, a4):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_volume.money_flow_index(a0, a1, a2, a3, a4)[-1]


@numba.njit(cache=True)
def _last_money_flow_index_rows(c, warm, a0):
    # _last_money_flow_index on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_money_flow_index(w[:, HIGH], w[:, LOW], w[:, CLOSE], w[:, VOLUME], a0)


def mfi(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """MFI from rolling positive/negative money flow; 100 when there is no negative flow.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= mfi(candles_from_close_prices(np.linspace(100, 110, 60))) <= 100
        np.True_
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_money_flow_index_rows(candles, _warmup_now(), period))
    c = ohlcv(candles, sequential, "mfi")
    if not sequential:
        return _f64(_last_money_flow_index(c[:, HIGH], c[:, LOW], c[:, CLOSE], c[:, VOLUME], period))
    res = _kernels_volume.money_flow_index(c[:, HIGH], c[:, LOW], c[:, CLOSE], c[:, VOLUME], period)
    return res
