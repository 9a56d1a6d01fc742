"""TRIX (Jesse ``ta.trix``): one-bar change of a triple EMA of ``log(price)``, × 10000; row 0 is NaN."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.indicators import _fastpath, _kernels
from jesse_dag.indicators._fastpath import check_period, source_of
from jesse_dag.indicators._kernels import ema_alpha


@numba.njit(cache=True)
def _trix(source, period):
    n = source.shape[0]
    alpha = 2.0 / (period + 1.0)
    e3 = ema_alpha(ema_alpha(ema_alpha(np.log(source), alpha), alpha), alpha)
    out = np.full(n, np.nan)
    for i in range(1, n):
        out[i] = (e3[i] - e3[i - 1]) * 10000.0
    return out


@numba.njit(cache=True)
def _last_trix(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _trix(a0, a1)[-1]


@numba.njit(cache=True)
def _last_trix_src(c, code, warm, a0):
    # _last_trix on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_trix(w[:, code], a0)
    return _last_trix(_fastpath.derived_source(w, code), a0)


def trix(candles: np.ndarray, period: int = 18, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """TRIX in basis points per bar.

    Example:
        >>> import numpy as np
        >>> trix(np.full(5, 2.0))
        0.0
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return float(_last_trix_src(candles, code, _warmup_candles_num.get(), period))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_trix(source, period))
    res = _trix(source, period)
    return res
