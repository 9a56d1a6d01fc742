"""MA: one entry point for (nearly) all of Jesse's moving averages, chosen by ``matype``."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core, _kernels

from jesse_dag.indicators._core import as_candles, check_period, last_or_all, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

# matype -> (indicator, whether it takes the period). 7, 8 and 19 are refused, as in Jesse.
MATYPES: dict[int, tuple[str, bool]] = {
    0: ("sma", True), 1: ("ema", True), 2: ("wma", True), 3: ("dema", True), 4: ("tema", True),
    5: ("trima", True), 6: ("kama", True), 9: ("fwma", True), 10: ("hma", True), 11: ("linearreg", True),
    12: ("wilders", True), 13: ("sinwma", True), 14: ("supersmoother", True),
    15: ("supersmoother_3_pole", True), 16: ("gauss", True), 17: ("high_pass", True),
    18: ("high_pass_2_pole", True), 20: ("jma", True), 21: ("reflex", True), 22: ("trendflex", True),
    23: ("smma", True), 24: ("vwma", True), 25: ("pwma", True), 26: ("swma", True), 27: ("alma", True),
    28: ("hwma", False), 29: ("vwap", False), 30: ("nma", True), 31: ("edcf", True), 32: ("mwdx", False),
    33: ("maaq", True), 34: ("srwma", True), 35: ("sqwma", True), 36: ("vpwma", True), 37: ("cwma", True),
    38: ("jsa", True), 39: ("epma", True),
}


@numba.njit(cache=True)
def _last_sma_ema(src, period, matype):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return (_kernels.sma(src, period) if matype == 0 else _kernels.ema(src, period))[-1]


def ma(candles: np.ndarray, period: int = 30, matype: int = 0, source_type: str = "close",
       sequential: bool = False) -> float | np.ndarray:
    """The moving average ``matype`` (0 sma, 1 ema, 2 wma, ... 39 epma; see ``MATYPES``).

    The candles (or a 1-D series) are sliced first, then the chosen average runs sequentially on them.
    vwma (24) and vwap (29) need 2-D candles.

    Example:
        >>> import numpy as np
        >>> ma(np.arange(1.0, 11.0), period=4, matype=0)
        np.float64(8.5)
    """
    if matype not in MATYPES:
        raise ValueError(f"ma: invalid matype {matype!r}; valid: {sorted(MATYPES)}")
    name, takes_period = MATYPES[matype]
    arr = slice_candles(as_candles(candles), sequential)
    if matype in (0, 1):  # sma / ema: the same kernel those functions run, without the call chain
        period = check_period(period)
        src = _core.source(arr, source_type)
        if not sequential:
            return _f64(_last_sma_ema(src, period, matype))
        return _kernels.sma(src, period) if matype == 0 else _kernels.ema(src, period)
    if name in ("vwma", "vwap") and arr.ndim == 1:
        raise ValueError(f"ma: {name} (matype {matype}) only works with 2-D candles")
    fn = _core.indicator(name)
    if takes_period:
        res = fn(arr, period, source_type=source_type, sequential=True)
    else:
        res = fn(arr, source_type=source_type, sequential=True)
    return last_or_all(np.asarray(res, dtype=np.float64), sequential)
