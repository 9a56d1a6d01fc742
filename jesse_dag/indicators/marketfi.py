"""Market facilitation index."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW, VOLUME
from jesse_dag.indicators._fastpath import last_or_all, ohlcv


def marketfi(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """``(high - low) / volume`` (inf or NaN where the volume is 0, as in Jesse).

    Example:
        >>> import numpy as np
        >>> marketfi(np.array([[0, 1, 2, 4.0, 1.0, 3.0]]))
        1.0
    """
    c = ohlcv(candles, sequential, "marketfi")
    with np.errstate(divide="ignore", invalid="ignore"):
        if not sequential:  # numpy scalars keep numpy's inf / nan on a zero volume
            return float((c[-1, HIGH] - c[-1, LOW]) / c[-1, VOLUME])
        return last_or_all((c[:, HIGH] - c[:, LOW]) / c[:, VOLUME], sequential)
