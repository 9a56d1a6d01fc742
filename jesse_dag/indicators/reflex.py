"""Reflex (Ehlers)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_filters
from jesse_dag.indicators._core import check_period, last_or_all, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def reflex(candles: np.ndarray, period: int = 20, source_type: str = "close",
           sequential: bool = False) -> float | np.ndarray | None:
    """Ehlers' reflex of the ``period/2`` super-smoothed source; 0.0 for the first ``period`` rows.

    Example:
        >>> import numpy as np
        >>> isinstance(reflex(np.sin(np.arange(100.0) / 5)), float)
        True
    """
    period = check_period(period)
    _, source = source_of(candles, source_type, sequential)
    res = _kernels_filters.reflex(_kernels_filters.supersmoother(source, period / 2), period)
    if not sequential and np.isnan(res[-1]):
        return None
    return last_or_all(res, sequential)
