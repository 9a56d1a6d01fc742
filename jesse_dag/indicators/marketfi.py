"""Market facilitation index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW, VOLUME
from jesse_dag.indicators._fastpath import ohlcv


# error_model="numpy": a zero volume gives inf or NaN as numpy does, not an exception
@numba.njit(cache=True, error_model="numpy")
def _last_marketfi(c):
    i = c.shape[0] - 1
    return (c[i, HIGH] - c[i, LOW]) / c[i, VOLUME]


def marketfi(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """``(high - low) / volume`` (inf or NaN where the volume is 0, as in Jesse).

    Example:
        >>> import numpy as np
        >>> marketfi(np.array([[0, 1, 2, 4.0, 1.0, 3.0]]))
        1.0
    """
    c = ohlcv(candles, sequential, "marketfi")
    if not sequential:
        return _last_marketfi(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (c[:, HIGH] - c[:, LOW]) / c[:, VOLUME]
