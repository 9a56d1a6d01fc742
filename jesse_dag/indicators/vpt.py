"""VPT: volume price trend as Jesse 3.5.3 computes it (Jesse ``ta.vpt``).

Jesse's VPT is not cumulative: each row is this bar's ``volume × pct change`` plus the previous bar's,
so rows 0 and 1 are NaN. Reproduced as is.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators import _core
from jesse_dag.indicators._core import ohlcv, SOURCE_TYPES

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def _vpt(source, vol):
    n = source.shape[0]
    step = np.full(n, np.nan)
    for i in range(1, n):
        step[i] = vol[i] * ((source[i] - source[i - 1]) / source[i - 1])
    out = np.full(n, np.nan)
    for i in range(1, n):
        out[i] = step[i - 1] + step[i]
    return out


@numba.njit(cache=True)
def _last_vpt(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _vpt(a0, a1)[-1]


def vpt(candles: np.ndarray, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Two-bar volume price trend (Jesse's formula).

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(3), np.ones(3), [1.0, 2, 4], np.ones(3), np.ones(3), [1.0, 1, 1]])
        >>> vpt(c, sequential=True).tolist()
        [nan, nan, 2.0]
    """
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    c = ohlcv(candles, sequential, "vpt")
    source = _core.source(c, source_type)
    if not sequential:
        return _f64(_last_vpt(source, c[:, VOLUME]))
    res = _vpt(source, c[:, VOLUME])
    return res
