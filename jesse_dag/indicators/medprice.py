"""Median price."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators._core import ohlcv
from jesse_dag.indicators._kernels import derived_source


def medprice(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """``(high + low) / 2``.

    Example:
        >>> import numpy as np
        >>> medprice(np.array([[0, 1, 2, 4.0, 1.0, 3.0]]))
        np.float64(2.5)
    """
    c = ohlcv(candles, sequential, "medprice")
    if not sequential:
        # Python floats are IEEE doubles: the same bits as numpy's element-wise sum, for the last row only
        row = c[-1].tolist()
        return np.float64((row[HIGH] + row[LOW]) / 2)  # numpy float64, as Jesse
    # the same sum and division per row as the numpy expression, in one pass reading each row once
    return derived_source(c, 6)
