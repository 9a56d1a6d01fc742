"""Volume with its simple moving average (Jesse ``ta.volume``)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators._core import check_period, column, ohlcv
from jesse_dag.indicators._kernels import rolling_sum

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

Volume = namedtuple("Volume", ["volume", "ma"])


def volume(candles: np.ndarray, period: int = 20, sequential: bool = False) -> Volume:
    """The volume column and its ``period`` simple average (NaN for the first ``period - 1`` rows).

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(3), np.ones(3), np.ones(3), np.ones(3), np.ones(3), [1.0, 2, 3]])
        >>> volume(c, period=2, sequential=True).ma.tolist()
        [nan, 1.5, 2.5]
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "volume")
    vol = column(c, VOLUME)
    ma = rolling_sum(vol, period) / period
    if sequential:
        return Volume(vol, ma)
    return Volume(_f64(vol[-1]), _f64(ma[-1]))
