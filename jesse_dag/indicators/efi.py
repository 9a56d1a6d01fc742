"""EFI - Elder's force index: EMA of price change times volume."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators import _core
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _efi_run(x, volume, period, out):
    # the force (change * volume) and its EMA (seeded at the first force) in one pass; row i holds the EMA
    # of forces 1..i, from row ``period`` on. Writes ``out`` when it has a row
    # per input row; returns the last value.
    n = x.shape[0]
    write = out.shape[0] == n
    if write:
        out[:min(period, n)] = np.nan
    if n < 2:
        return np.nan
    alpha = 2.0 / (period + 1.0)
    y = (x[1] - x[0]) * volume[1]
    if write and period <= 1:
        out[1] = y
    for i in range(2, n):
        y = alpha * ((x[i] - x[i - 1]) * volume[i]) + (1.0 - alpha) * y
        if write and i >= period:
            out[i] = y
    return y if n - 1 >= period else np.nan


@numba.njit(cache=True)
def _efi(x, volume, period):
    out = np.empty(x.shape[0])
    _efi_run(x, volume, period, out)
    return out


@numba.njit(cache=True)
def _last_efi(x, volume, period):
    return _efi_run(x, volume, period, np.empty(0))


def efi(candles: np.ndarray, period: int = 13, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Force index; NaN for the first ``period`` rows.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> efi(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        np.True_
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "efi")
    source = _core.source(c, source_type)
    if not sequential:
        return _f64(_last_efi(source, c[:, VOLUME], period))
    return _efi(source, c[:, VOLUME], period)
