"""Holt-Winters moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import source_of


@numba.njit(cache=True)
def _last_k2_pad_front(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return k2.pad_front(a0, a1)[-1]


def hwma(candles: np.ndarray, na: float = 0.2, nb: float = 0.1, nc: float = 0.1, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Holt-Winters average of level (``na``), velocity (``nb``) and acceleration (``nc``) smoothing.

    Jesse only refuses the parameters when *none* of them lies in (0, 1); kept as is.

    Example:
        >>> import numpy as np
        >>> round(hwma(np.full(50, 3.0)), 9)
        3.0
    """
    if not ((0 < na < 1) or (0 < nb < 1) or (0 < nc < 1)):
        raise ValueError("hwma: bad parameters, they have to be 0 < na, nb, nc < 1")
    _, source = source_of(candles, source_type, sequential)
    clean = k2.drop_nan(source)
    if clean.shape[0] == 0:
        raise ValueError("hwma: the source has no non-NaN value")
    if not sequential:
        return float(_last_k2_pad_front(k2.hwma(clean, float(na), float(nb), float(nc)), source.shape[0]))
    res = k2.pad_front(k2.hwma(clean, float(na), float(nb), float(nc)), source.shape[0])
    return res
