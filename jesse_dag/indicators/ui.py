"""UI: Ulcer Index (Jesse ``ta.ui``): RMS of percentage drawdowns from the rolling ``period`` high."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, source_of
from jesse_dag.indicators._kernels import rolling_max

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def _ui(source, period, scalar):
    n = source.shape[0]
    out = np.full(n, np.nan)
    highest = rolling_max(source, period)
    d2 = np.full(n, np.nan)
    for i in range(n):
        down = scalar * (source[i] - highest[i]) / highest[i]
        d2[i] = down * down
    if n < period:
        return out
    for i in range(period - 1, n):
        acc = 0.0
        for k in range(i - period + 1, i + 1):
            acc += d2[k]
        out[i] = np.sqrt(acc / period)
    return out


@numba.njit(cache=True)
def _last_ui(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _ui(a0, a1, a2)[-1]


@numba.njit(cache=True)
def _last_ui_src(c, code, warm, a0, a1):
    # _last_ui on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane); _ui called
    # directly and a derived source viewed as strided (``[::1]``, no copy), so both sources share one compiled
    # _ui, the one a sequential call on a candle column uses: two levels of calls and two libraries fewer for
    # numba to compile and link
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _ui(w[:, code], a0, a1)[-1]
    return _ui(_kernels.derived_source(w, code)[::1], a0, a1)[-1]


def ui(candles: np.ndarray, period: int = 14, scalar: float = 100, source_type: str = "close",
       sequential: bool = False) -> float | np.ndarray:
    """Ulcer index; NaN until ``2·period - 2`` rows exist (drawdowns need a full window first).

    Example:
        >>> import numpy as np
        >>> ui(np.array([1.0, 1.0, 1.0]), period=2)
        np.float64(0.0)
    """
    period = check_period(period)
    scalar = check_number(scalar, "scalar")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_ui_src(candles, code, _warmup_now(), period, scalar))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_ui(source, period, scalar))
    res = _ui(source, period, scalar)
    return res
