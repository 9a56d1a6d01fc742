"""McGinley dynamic."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_number, check_period, last_or_all, source_of


def mcginley_dynamic(candles: np.ndarray, period: int = 10, k: float = 0.6, source_type: str = "close",
                     sequential: bool = False) -> float | np.ndarray:
    """``mg += (x - mg) / max(k * period * (x / mg)^4, 1)`` from ``mg[0] = x[0]``.

    Example:
        >>> import numpy as np
        >>> round(mcginley_dynamic(np.full(30, 4.0)), 9)
        4.0
    """
    period = check_period(period)
    k = check_number(k, "mcginley_dynamic: k")
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(k2.mcginley(source, period, k), sequential)
