"""AO - Awesome oscillator (Bill Williams)."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import ohlcv

AO = namedtuple("AO", ["osc", "change"])


@numba.njit(cache=True)
def _ao(high, low):
    med = (high + low) / 2.0
    osc = _kernels.sma(med, 5) - _kernels.sma(med, 34)
    change = np.full(osc.shape[0], np.nan)
    for i in range(1, osc.shape[0]):
        change[i] = osc[i] - osc[i - 1]
    return osc, change


@numba.njit(cache=True)
def _last_ao(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _ao(a0, a1)
    return r[0][-1], r[1][-1]


def ao(candles: np.ndarray, sequential: bool = False) -> AO:
    """AO(osc, change): SMA5(hl2) - SMA34(hl2) and its one-bar change.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> ao(candles_from_close_prices(np.linspace(100, 150, 60))).osc > 0
        True
    """
    c = ohlcv(candles, sequential, "ao")
    if not sequential:
        return AO(*map(float, _last_ao(c[:, HIGH], c[:, LOW])))
    return AO(*_ao(c[:, HIGH], c[:, LOW]))
