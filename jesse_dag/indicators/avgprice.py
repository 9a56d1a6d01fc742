"""AVGPRICE - (open + high + low + close) / 4."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN
from jesse_dag.indicators._core import ohlcv
from jesse_dag.indicators._kernels import derived_source


def avgprice(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Average of open, high, low and close.

    Example:
        >>> import numpy as np
        >>> avgprice(np.array([[0, 1.0, 2.0, 3.0, 0.5, 10.0]]))
        np.float64(1.625)
    """
    c = ohlcv(candles, sequential, "avgprice")
    if not sequential:
        # Python floats are IEEE doubles: the same bits as numpy's element-wise sum, for the last row only
        row = c[-1].tolist()
        return np.float64((row[OPEN] + row[HIGH] + row[LOW] + row[CLOSE]) / 4)  # numpy float64, as Jesse
    # the same sum and division per row as the numpy expression, in one pass reading each row once
    return derived_source(c, 8)
