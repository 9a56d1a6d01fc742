"""One-pole high-pass filter (Ehlers)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_period, last_or_all, source_of


def high_pass(candles: np.ndarray, period: int = 48, source_type: str = "close",
              sequential: bool = False) -> float | np.ndarray | None:
    """Ehlers' 1-pole high-pass filter; the first value is the source itself. None if the last is NaN.

    Example:
        >>> import numpy as np
        >>> bool(abs(high_pass(np.full(300, 5.0), sequential=True)[-1]) < 1e-9)
        True
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    res = k2.high_pass_1(source, period)
    if not sequential and np.isnan(res[-1]):
        return None
    return last_or_all(res, sequential)
