"""Know Sure Thing."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._core import check_period, source_of

KST = namedtuple("KST", ["line", "signal"])


def kst(candles: np.ndarray, sma_period1: int = 10, sma_period2: int = 10, sma_period3: int = 10,
        sma_period4: int = 15, roc_period1: int = 10, roc_period2: int = 15, roc_period3: int = 20,
        roc_period4: int = 30, signal_period: int = 9, source_type: str = "close", sequential: bool = False) -> KST:
    """Weighted sum (1, 2, 3, 4) of four smoothed ROCs, and its SMA as the signal.

    The SMAs skip NaN inside their window, as Jesse's do.

    Example:
        >>> import numpy as np
        >>> kst(np.exp(np.linspace(0, 1, 120))).line > 0
        True
    """
    roc = k2.indicator("roc")

    periods = [check_period(p, f"kst: {name}") for name, p in (
        ("sma_period1", sma_period1), ("sma_period2", sma_period2), ("sma_period3", sma_period3),
        ("sma_period4", sma_period4), ("roc_period1", roc_period1), ("roc_period2", roc_period2),
        ("roc_period3", roc_period3), ("roc_period4", roc_period4), ("signal_period", signal_period))]
    _, source = source_of(candles, source_type, sequential)
    smas, rocs = periods[:4], periods[4:8]
    aroc = [_kernels.sma(np.asarray(roc(source, r, sequential=True)), s) for s, r in zip(smas, rocs)]
    line = aroc[0] + 2 * aroc[1] + 3 * aroc[2] + 4 * aroc[3]
    signal = _kernels.sma(line, periods[8])
    if sequential:
        return KST(line, signal)
    return KST(float(line[-1]), float(signal[-1]))
