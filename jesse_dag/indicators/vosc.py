"""VOSC: volume oscillator (Jesse ``ta.vosc``): ``(sma(vol, short) - sma(vol, long)) / sma(vol, long) × 100``."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import VOLUME
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv
from jesse_dag.indicators._kernels import sma
from jesse_dag.indicators.sma import _last_sma

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


# error_model="numpy": a zero long average gives inf or NaN as numpy does, not an exception
@numba.njit(cache=True, error_model="numpy")
def _vosc(c, short_period, long_period):
    # the two SMAs of the volume column (the same kernel as before) and the oscillator in one compiled call:
    # the same element-wise operations as numpy's (s - l) / l * 100, with no temporaries or errstate
    vol = np.empty(c.shape[0])
    for i in range(c.shape[0]):
        vol[i] = c[_kernels.scalar_row(np.uint64(i)), VOLUME]
    s = sma(vol, short_period)
    out = sma(vol, long_period)
    for i in range(out.shape[0]):
        lo = out[i]
        out[i] = (s[i] - lo) / lo * 100
    return out


@numba.njit(cache=True, error_model="numpy")
def _last_vosc_rows(c, warm, short_period, long_period):
    # the last value on Jesse's trailing ``warm`` rows: _last_sma is the last value of the same running sum
    w = c[_kernels.window_start(c.shape[0], warm):, VOLUME]
    lo = _last_sma(w, long_period)
    return (_last_sma(w, short_period) - lo) / lo * 100


def vosc(candles: np.ndarray, short_period: int = 2, long_period: int = 5,
         sequential: bool = False) -> float | np.ndarray:
    """Volume oscillator in percent; NaN until both averages exist.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.zeros(4), np.ones(4), np.ones(4), np.ones(4), np.ones(4), [1.0, 1, 2, 2]])
        >>> vosc(c, short_period=2, long_period=4)
        np.float64(33.33333333333333)
    """
    short_period = check_period(short_period, "short_period")
    long_period = check_period(long_period, "long_period")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_vosc_rows(candles, _warmup_now(), short_period, long_period))
    c = np.ascontiguousarray(ohlcv(candles, sequential, "vosc"))
    if not sequential:
        return _f64(_last_vosc_rows(c, 0, short_period, long_period))
    return _vosc(c, short_period, long_period)
