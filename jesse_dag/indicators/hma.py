"""Hull moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_averages
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _hma(source, period, sqrt_period):
    raw = 2.0 * _kernels_averages.wma_zero(source, period // 2) - _kernels_averages.wma_zero(source, period)
    return _kernels_averages.wma_zero(raw, sqrt_period)


@numba.njit(cache=True)
def _last_hma(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    # each row depends on the rows of its own windows only: the last value needs the last
    # ``period + sqrt_period - 1`` rows alone
    t = max(0, a0.shape[0] - (a1 + a2 - 1))
    return _hma(a0[t:], a1, a2)[-1]


@numba.njit(cache=True)
def _last_hma_src(c, code, warm, a0, a1):
    # _last_hma on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_hma(w[:, code], a0, a1)
    return _last_hma(_kernels.derived_source(w, code), a0, a1)


def hma(candles: np.ndarray, period: int = 5, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """WMA(2*WMA(x, p//2) - WMA(x, p), int(sqrt(p))), with Jesse's 0.0 (not NaN) warm-up rows.

    Example:
        >>> import numpy as np
        >>> round(hma(np.arange(1.0, 51.0)), 6)
        np.float64(50.333333)
    """
    period = check_period(period)
    if period < 2:
        raise ValueError(f"hma: period must be >= 2 (half and sqrt lengths must be >= 1), got {period}")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_hma_src(candles, code, _warmup_now(), period, int(np.sqrt(period))))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_hma(source, period, int(np.sqrt(period))))
    return _hma(source, period, int(np.sqrt(period)))
