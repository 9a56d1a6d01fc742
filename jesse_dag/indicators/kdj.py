"""KDJ oscillator."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _core, _kernels_rolling
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

KDJ = namedtuple("KDJ", ["k", "d", "j"])


def kdj(candles: np.ndarray, fastk_period: int = 9, slowk_period: int = 3, slowk_matype: int = 0,
        slowd_period: int = 3, slowd_matype: int = 0, sequential: bool = False) -> KDJ:
    """``k = MA(stoch)``, ``d = MA(k)``, ``j = 3k - 2d``; the first ``fastk_period-1`` rows use the range so far.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= kdj(candles_from_close_prices(np.linspace(100, 90, 60))).k <= 100
        np.True_
    """
    ma = _core.indicator("ma")

    if slowk_matype in (24, 29) or slowd_matype in (24, 29):
        raise ValueError("VWMA (matype 24) and VWAP (matype 29) cannot be used in kdj indicator.")  # Jesse's text
    fastk_period = check_period(fastk_period, "kdj: fastk_period")
    c = ohlcv(candles, sequential, "kdj")
    hh = _kernels_rolling.rolling_extreme_accum(c[:, HIGH], fastk_period, True)
    ll = _kernels_rolling.rolling_extreme_accum(c[:, LOW], fastk_period, False)
    with np.errstate(divide="ignore", invalid="ignore"):
        stoch = 100 * (c[:, CLOSE] - ll) / (hh - ll)
    k = np.asarray(ma(stoch, period=slowk_period, matype=slowk_matype, sequential=True))
    d = np.asarray(ma(k, period=slowd_period, matype=slowd_matype, sequential=True))
    j = 3 * k - 2 * d
    if sequential:
        return KDJ(k, d, j)
    return KDJ(_f64(k[-1]), _f64(d[-1]), _f64(j[-1]))
