"""Klinger volume oscillator."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, VOLUME
from jesse_dag.indicators import _kernels, _kernels_volume
from jesse_dag.indicators._core import check_period, last_or_all, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def kvo(candles: np.ndarray, short_period: int = 34, long_period: int = 55,
        sequential: bool = False) -> float | np.ndarray:
    """EMA(short) - EMA(long) of Klinger's volume force.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> isinstance(kvo(candles_from_close_prices(np.linspace(100, 110, 80))), float)
        True
    """
    short_period = check_period(short_period, "kvo: short_period")
    long_period = check_period(long_period, "kvo: long_period")
    c = ohlcv(candles, sequential, "kvo")
    vf = _kernels_volume.kvo_volume_force(c[:, HIGH], c[:, LOW], c[:, CLOSE], c[:, VOLUME])
    return last_or_all(_kernels.ema(vf, short_period) - _kernels.ema(vf, long_period), sequential)
