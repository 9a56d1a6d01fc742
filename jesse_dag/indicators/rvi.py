"""RVI: Relative Volatility Index (Jesse ``ta.rvi``).

The deviation of each window is credited to "up" on rising bars (and on row 0) and to "down" otherwise;
``100·ma(up) / (ma(up) + ma(down))``, 50 when both averages are 0.
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of
from jesse_dag.indicators._kernels_averages import moving_average
from jesse_dag.indicators._kernels_rolling import deviation

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _split_up_down(source, dev):
    n = source.shape[0]
    up = np.zeros(n)
    down = np.zeros(n)
    for i in range(n):
        d = dev[i]
        if np.isnan(d):
            continue
        if i == 0:
            # no previous bar: Jesse's NaN difference fails both "<= 0" and "> 0"
            up[i] = d
            down[i] = d
        elif source[i] - source[i - 1] > 0.0:
            up[i] = d
        else:
            down[i] = d
    return up, down


def rvi(candles: np.ndarray, period: int = 10, ma_len: int = 14, matype: int = 1, devtype: int = 0,
        source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Relative Volatility Index, 0..100.

    Example:
        >>> import numpy as np
        >>> rvi(np.arange(1.0, 30.0), period=3, ma_len=3)
        np.float64(100.0)
    """
    if matype in (24, 29):
        raise ValueError("VWMA (matype 24) and VWAP (matype 29) cannot be used in rvi indicator.")
    period = check_period(period)
    ma_len = check_period(ma_len, "ma_len")
    _, source = source_of(candles, source_type, sequential)
    dev = deviation(source, period, devtype)
    up, down = _split_up_down(source, np.ascontiguousarray(dev))
    up_avg = moving_average(up, ma_len, matype)
    down_avg = moving_average(down, ma_len, matype)
    denom = up_avg + down_avg
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.where(denom != 0, 100 * (up_avg / denom), 50.0)
    return res if sequential else _f64(res[-1])
