"""Gaussian filter (Ehlers, *Rocket Science for Traders*, ch. 15)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, last_or_all, source_of


def gauss(candles: np.ndarray, period: int = 14, poles: int = 4, source_type: str = "close",
          sequential: bool = False) -> float | np.ndarray:
    """Gaussian filter with 1 to 4 poles; NaN in the source are skipped and come back as leading NaN.

    Example:
        >>> import numpy as np
        >>> round(gauss(np.full(200, 10.0)), 6)
        10.0
    """
    period = check_period(period)
    if poles not in (1, 2, 3, 4):
        raise ValueError(f"gauss: poles must be 1, 2, 3 or 4, got {poles!r}")
    _, source = source_of(candles, source_type, sequential)
    res = k2.pad_front(k2.gauss_filter(k2.drop_nan(source), period, int(poles)), source.shape[0])
    return last_or_all(res, sequential)
