"""MWDX average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_kernels_ema_alpha(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels.ema_alpha(a0, a1)[-1]


def mwdx(candles: np.ndarray, factor: float = 0.2, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Exponential smoothing with alpha ``2 / (2/factor - 1 + 1)``, seeded at the first value.

    Example:
        >>> import numpy as np
        >>> round(mwdx(np.full(20, 3.0)), 9)
        np.float64(3.0)
    """
    factor = check_number(factor, "mwdx: factor")
    if factor == 0:
        raise ValueError("mwdx: factor must not be 0")
    _, source = source_of(candles, source_type, sequential)
    fac = 2 / ((2 / factor - 1) + 1)
    if not sequential:
        return _f64(_last_kernels_ema_alpha(source, fac))
    return _kernels.ema_alpha(source, fac)
