"""zScore: ``(x - ma) / (dev × nbdev)`` over a trailing window (Jesse ``ta.zscore``)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators._core import check_number, check_period, source_of
from jesse_dag.indicators._kernels_averages import moving_average
from jesse_dag.indicators._kernels_rolling import deviation

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def zscore(candles: np.ndarray, period: int = 14, matype: int = 0, nbdev: float = 1, devtype: int = 0,
           source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Z-score of each value against its trailing ``period`` mean and deviation.

    ``matype`` picks the mean as in Jesse's ``ma`` (0 = SMA); ``devtype`` 0 = population std,
    1 = mean absolute deviation, 2 = median absolute deviation.

    Example:
        >>> import numpy as np
        >>> zscore(np.array([1.0, 3.0]), period=2)
        np.float64(1.0)
    """
    period = check_period(period)
    nbdev = check_number(nbdev, "nbdev")
    if matype in (24, 29):
        candles_2d, source = source_of(candles, source_type, sequential)
        from jesse_dag.indicators._core import indicator

        means = np.asarray(indicator("ma")(candles_2d, period=period, matype=matype, source_type=source_type,
                                         sequential=True), dtype=np.float64)
    else:
        _, source = source_of(candles, source_type, sequential)
        means = moving_average(source, period, matype)
    sigmas = deviation(source, period, devtype) * nbdev
    with np.errstate(divide="ignore", invalid="ignore"):
        res = (source - means) / sigmas
    return res if sequential else _f64(res[-1])
