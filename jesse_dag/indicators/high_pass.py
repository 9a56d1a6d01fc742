"""One-pole high-pass filter (Ehlers)."""
from __future__ import annotations

import math

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_filters
from jesse_dag.indicators._core import check_period, last_or_all, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_high_pass_rows(c, code, warm, period):
    # _kernels_filters.high_pass_1(source)[-1] on Jesse's trailing ``warm`` rows, built here rather than in Python
    return _kernels_filters.high_pass_1(_kernels.window_source(c, code, warm), period)[-1]


def high_pass(candles: np.ndarray, period: int = 48, source_type: str = "close",
              sequential: bool = False) -> float | np.ndarray | None:
    """Ehlers' 1-pole high-pass filter; the first value is the source itself. None if the last is NaN.

    Example:
        >>> import numpy as np
        >>> bool(abs(high_pass(np.full(300, 5.0), sequential=True)[-1]) < 1e-9)
        True
    """
    period = check_period(period)
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            v = _last_high_pass_rows(candles, code, _warmup_now(), period)
            return None if math.isnan(v) else _f64(v)
    _, source = source_of(candles, source_type, sequential)
    res = _kernels_filters.high_pass_1(source, period)
    if not sequential and np.isnan(res[-1]):
        return None
    return last_or_all(res, sequential)
