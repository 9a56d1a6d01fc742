"""EPMA - end point moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.indicators import _fastpath, _kernels
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _last_kernels_power_weighted_ma(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels.power_weighted_ma(a0, a1, a2, a3)[-1]


@numba.njit(cache=True)
def _last_kernels_power_weighted_ma_src(c, code, warm, a0, a1, a2):
    # _last_kernels_power_weighted_ma on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_kernels_power_weighted_ma(w[:, code], a0, a1, a2)
    return _last_kernels_power_weighted_ma(_fastpath.derived_source(w, code), a0, a1, a2)


def epma(candles: np.ndarray, period: int = 11, offset: int = 4, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Weights ``period - i - offset`` on the newest ``period-1`` bars; early rows are the input.

    Example:
        >>> import numpy as np
        >>> epma(np.ones(30))
        1.0
    """
    period = check_period(period)
    if int(offset) != offset or offset < 0:
        raise ValueError(f"offset must be an integer >= 0, got {offset!r}")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return float(_last_kernels_power_weighted_ma_src(candles, code, _warmup_candles_num.get(),
                                                             period, 1.0, float(offset)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_kernels_power_weighted_ma(source, period, 1.0, float(offset)))
    return _kernels.power_weighted_ma(source, period, 1.0, float(offset))
