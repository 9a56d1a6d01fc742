"""Ehlers decycler oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core, _kernels_filters
from jesse_dag.indicators._core import check_number, check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _dec_osc(source, hp_period, half, k):
    dec = source - _kernels_filters.high_pass_2pole(source, hp_period)
    return 100 * k * _kernels_filters.high_pass_2pole(dec, half) / source


@numba.njit(cache=True)
def _last_dec_osc(source, hp_period, half, k):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _dec_osc(source, hp_period, half, k)[-1]


def dec_osc(candles: np.ndarray, hp_period: int = 125, k: float = 1, source_type: str = "close",
            sequential: bool = False) -> float | np.ndarray:
    """``100 * k * HP2(decycle, hp_period/2) / price``; Jesse truncates the half period to an int.

    Example:
        >>> import numpy as np
        >>> round(dec_osc(np.full(50, 10.0)), 4)  # Jesse's filter seeds leave a residue on a flat series
        np.float64(2.1851)
    """
    hp_period = check_period(hp_period, "hp_period")
    k = check_number(k, "k")
    half = int(0.5 * hp_period)
    if half < 1:
        raise ValueError(f"hp_period must be >= 2, got {hp_period}")
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        return _f64(_last_dec_osc(source, hp_period, half, k))
    return _dec_osc(source, hp_period, half, k)
