"""PVI - positive volume index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators import _core, _kernels_volume
from jesse_dag.indicators._core import ohlcv, SOURCE_TYPES

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _last_volume_index(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _kernels_volume.volume_index(a0, a1, a2)[-1]


def pvi(candles: np.ndarray, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Starts at 1000 and follows the source's percentage change only on rows where the volume rises.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> pvi(candles_from_close_prices(np.linspace(100, 110, 30))) > 0
        np.True_
    """
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")
    c = ohlcv(candles, sequential, "pvi")
    source = _core.source(c, source_type)
    if not sequential:
        return _f64(_last_volume_index(source, c[:, VOLUME], False))
    return _kernels_volume.volume_index(source, c[:, VOLUME], False)
