"""Holt-Winters moving average."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_averages
from jesse_dag.indicators._core import source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def hwma(candles: np.ndarray, na: float = 0.2, nb: float = 0.1, nc: float = 0.1, source_type: str = "close",
         sequential: bool = False) -> float | np.ndarray:
    """Holt-Winters average of level (``na``), velocity (``nb``) and acceleration (``nc``) smoothing.

    Jesse only refuses the parameters when *none* of them lies in (0, 1); kept as is.

    Example:
        >>> import numpy as np
        >>> round(hwma(np.full(50, 3.0)), 9)
        np.float64(3.0)
    """
    if not ((0 < na < 1) or (0 < nb < 1) or (0 < nc < 1)):
        raise ValueError("hwma: bad parameters, they have to be 0 < na, nb, nc < 1")
    _, source = source_of(candles, source_type, sequential)
    res = _kernels_averages.hwma_same_length(source, float(na), float(nb), float(nc))
    if np.isnan(res[-1]) and np.isnan(source).all():  # (a last value that is a number rules it out at once)
        raise ValueError("hwma: the source has no non-NaN value")
    return res if sequential else _f64(res[-1])
