"""QStick."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.candles.columns import CLOSE, OPEN
from jesse_dag.indicators import _kernels
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_period, ohlcv


@numba.njit(cache=True)
def _last_k2_qstick(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    # each row depends on its own window only, so the last value comes from the last window's rows alone
    t = max(0, a0.shape[0] - a2)
    return k2.qstick(a0[t:], a1[t:], a2)[-1]


@numba.njit(cache=True)
def _last_k2_qstick_rows(c, warm, a0):
    # _last_k2_qstick on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_k2_qstick(w[:, OPEN], w[:, CLOSE], a0)


def qstick(candles: np.ndarray, period: int = 5, sequential: bool = False) -> float | np.ndarray:
    """Mean of ``close - open`` over ``period`` rows; 0.0 (not NaN) before the first full window.

    Example:
        >>> import numpy as np
        >>> qstick(np.array([[0, 1.0, 2.0, 2, 1, 1]] * 5))
        1.0
    """
    period = check_period(period)
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return float(_last_k2_qstick_rows(candles, _warmup_candles_num.get(), period))
    c = ohlcv(candles, sequential, "qstick")
    if not sequential:
        return float(_last_k2_qstick(c[:, OPEN], c[:, CLOSE], period))
    return k2.qstick(c[:, OPEN], c[:, CLOSE], period)
