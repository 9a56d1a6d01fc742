"""Roofing filter by John F. Ehlers (Jesse ``ta.roofing``): 2-pole high-pass then Super Smoother."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels_filters import high_pass_2pole, supersmoother_2pole

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_supersmoother_2pole(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return supersmoother_2pole(a0, a1)[-1]


def roofing(candles: np.ndarray, hp_period: int = 48, lp_period: int = 10, source_type: str = "close",
            sequential: bool = False) -> float | np.ndarray:
    """Roofing filter output (rows 0 and 1 are the input itself, as in Jesse).

    Example:
        >>> import numpy as np
        >>> roofing(np.full(3, 2.0), sequential=True).tolist()[:2]
        [2.0, 2.0]
    """
    hp_period = check_period(hp_period, "hp_period")
    lp_period = check_period(lp_period, "lp_period")
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_supersmoother_2pole(high_pass_2pole(source, float(hp_period)), float(lp_period)))
    res = supersmoother_2pole(high_pass_2pole(source, float(hp_period)), float(lp_period))
    return res
