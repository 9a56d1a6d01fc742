"""BOP - balance of power: (close - open) / (high - low)."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN
from jesse_dag.indicators._fastpath import last_or_all, ohlcv


def bop(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Balance of power; 0 on a bar whose high equals its low.

    Example:
        >>> import numpy as np
        >>> bop(np.array([[0, 1.0, 2.0, 3.0, 0.0, 10.0]]))
        0.3333333333333333
    """
    c = ohlcv(candles, sequential, "bop")
    if not sequential:  # the same elementwise formula on the last row only
        rng = c[-1, HIGH] - c[-1, LOW]
        return float((c[-1, CLOSE] - c[-1, OPEN]) / rng) if rng != 0 else 0.0
    rng = c[:, HIGH] - c[:, LOW]
    safe = np.where(rng != 0, rng, 1.0)
    res = np.where(rng != 0, (c[:, CLOSE] - c[:, OPEN]) / safe, 0.0)
    return last_or_all(res, sequential)
