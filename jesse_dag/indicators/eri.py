"""ERI - Elder ray index: high and low relative to a moving average."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, get_candle_source, named_result, ohlcv

ERI = namedtuple("ERI", ["bull", "bear"])


def eri(candles: np.ndarray, period: int = 13, matype: int = 1, source_type: str = "close",
        sequential: bool = False) -> ERI:
    """ERI(bull, bear) = high - MA, low - MA (``matype`` as in ``ma``; 1 = EMA).

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> eri(candles_from_close_prices(np.linspace(100, 150, 60))).bull > 0
        True
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "eri")
    source = np.ascontiguousarray(get_candle_source(c, source_type))
    if matype == 1:
        avg = _kernels.ema(source, period)
    elif matype == 0:
        avg = _kernels.sma(source, period)
    else:
        import jesse_dag.indicators as ta

        arg = c if matype in (24, 29) else source
        kw = {"source_type": source_type} if matype in (24, 29) else {}
        avg = np.asarray(ta.ma(arg, period=period, matype=matype, sequential=True, **kw), dtype=np.float64)
    return named_result(ERI, (c[:, HIGH] - avg, c[:, LOW] - avg), sequential)
