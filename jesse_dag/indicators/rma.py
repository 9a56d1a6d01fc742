"""RMA - the moving average used in the RSI (alpha = 1/length)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def rma(candles: np.ndarray, length: int = 14, source_type: str = "close",
        sequential: bool = False) -> float | np.ndarray:
    """Exponential average with alpha ``1/length`` on every row (no NaN warm-up).

    Jesse's first value blends the first source value with the *last* one (its index -1 wraps around);
    reproduced for parity, so early values depend on the end of the input.

    Example:
        >>> import numpy as np
        >>> round(rma(np.full(30, 2.0)), 9)
        2.0
    """
    length = check_period(length, "rma: length")
    _, source = source_of(candles, source_type, sequential)
    return last_or_all(k2.rma(source, length), sequential)
