"""Ehlers simple decycler: the price minus its two-pole high-pass."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core, _kernels_filters
from jesse_dag.indicators._core import check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _decycler(source, hp_period):
    return source - _kernels_filters.high_pass_2pole(source, hp_period)


def decycler(candles: np.ndarray, hp_period: int = 125, source_type: str = "close",
             sequential: bool = False) -> float | np.ndarray:
    """Decycler.

    Example:
        >>> import numpy as np
        >>> round(decycler(np.full(50, 10.0)), 6)  # Jesse's high-pass seeds make it lag a flat series
        np.float64(5.141086)
    """
    hp_period = check_period(hp_period, "hp_period")
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        return _f64(_decycler(source, hp_period)[-1])
    return _decycler(source, hp_period)
