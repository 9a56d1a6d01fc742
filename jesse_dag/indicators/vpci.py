"""VPCI: volume price confirmation indicator (Jesse ``ta.vpci``).

Uses Jesse's NaN-skipping SMA, so the signal ``vpcis`` starts ``short_range - 1`` rows before a full
window of ``vpci`` values exists, exactly like Jesse.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import CLOSE, VOLUME
from jesse_dag.indicators._fastpath import check_period, column, ohlcv
from jesse_dag.indicators._kernels import sma

VPCI = namedtuple("VPCI", ["vpci", "vpcis"])


def vpci(candles: np.ndarray, short_range: int = 5, long_range: int = 25, sequential: bool = False) -> VPCI:
    """VPCI and its volume-weighted signal line.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(6), np.ones(6), np.full(6, 2.0), np.ones(6), np.ones(6), np.ones(6)])
        >>> vpci(c, short_range=2, long_range=3).vpci
        0.0
    """
    short_range = check_period(short_range, "short_range")
    long_range = check_period(long_range, "long_range")
    c = ohlcv(candles, sequential, "vpci")
    close = column(c, CLOSE)
    vol = column(c, VOLUME)
    cv = np.ascontiguousarray(close * vol)
    with np.errstate(divide="ignore", invalid="ignore"):
        vwma_long = sma(cv, long_range) / sma(vol, long_range)
        vpc = vwma_long - sma(close, long_range)
        vwma_short = sma(cv, short_range) / sma(vol, short_range)
        vpr = vwma_short / sma(close, short_range)
        vm = sma(vol, short_range) / sma(vol, long_range)
        vpci_val = vpc * vpr * vm
        vpcis = sma(np.ascontiguousarray(vpci_val * vol), short_range) / sma(vol, short_range)
    if sequential:
        return VPCI(vpci_val, vpcis)
    return VPCI(float(vpci_val[-1]), float(vpcis[-1]))
