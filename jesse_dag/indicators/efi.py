"""EFI - Elder's force index: EMA of price change times volume."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators import _kernels
from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import check_period, ohlcv


@numba.njit(cache=True)
def _efi(x, volume, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < 2:
        return out
    raw = np.empty(n - 1)
    for i in range(1, n):
        raw[i - 1] = (x[i] - x[i - 1]) * volume[i]
    e = _kernels.ema_alpha(raw, 2.0 / (period + 1.0))
    for i in range(period, n):
        out[i] = e[i - 1]
    return out


@numba.njit(cache=True)
def _last_efi(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _efi(a0, a1, a2)[-1]


def efi(candles: np.ndarray, period: int = 13, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Force index; NaN for the first ``period`` rows.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> efi(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "efi")
    source = fp.source(c, source_type)
    if not sequential:
        return float(_last_efi(source, c[:, VOLUME], period))
    return _efi(source, c[:, VOLUME], period)
