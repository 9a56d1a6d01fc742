"""On-balance volume."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, VOLUME
from jesse_dag.indicators import _kernels, _kernels_volume
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_on_balance_volume(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_volume.on_balance_volume(a0, a1)[-1]


@numba.njit(cache=True)
def _last_on_balance_volume_rows(c, warm):
    # _last_on_balance_volume on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_on_balance_volume(w[:, CLOSE], w[:, VOLUME])


def obv(candles: np.ndarray, sequential: bool = False) -> float | np.ndarray:
    """Running sum of volume signed by the close's direction, starting from the first volume.

    Example:
        >>> import numpy as np
        >>> obv(np.array([[0, 1, 1.0, 1, 1, 5.0], [0, 1, 2.0, 2, 1, 3.0], [0, 1, 1.5, 2, 1, 2.0]]))
        np.float64(6.0)
    """
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_on_balance_volume_rows(candles, _warmup_now()))
    c = ohlcv(candles, sequential, "obv")
    if not sequential:
        return _f64(_last_on_balance_volume(c[:, CLOSE], c[:, VOLUME]))
    return _kernels_volume.on_balance_volume(c[:, CLOSE], c[:, VOLUME])
