"""Hull Suite (InSilico's TradingView script)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

HullSuit = namedtuple("HullSuit", ["s_hull", "m_hull", "signal"])

_MODES = ("Hma", "Ehma", "Thma")


def _hull_mode(source: np.ndarray, mode_switch: str, mode_len: int) -> np.ndarray:
    wma, ema = _kernels.wma, _kernels.ema
    if mode_switch == "Hma":
        return wma(2 * wma(source, mode_len // 2) - wma(source, mode_len), round(mode_len ** 0.5))
    if mode_switch == "Ehma":
        return ema(2 * ema(source, mode_len // 2) - ema(source, mode_len), round(mode_len ** 0.5))
    return wma(3 * wma(source, mode_len // 6) - wma(source, mode_len // 4) - wma(source, mode_len // 2),
               mode_len // 2)


def hull_suit(candles: np.ndarray, mode_switch: str = "Hma", length: int = 55, length_mult: float = 1.0,
              source_type: str = "close", sequential: bool = False) -> HullSuit:
    """Hull line two bars back (``s_hull``), now (``m_hull``) and ``'buy'``/``'sell'`` between them.

    Like Jesse, the fields are object arrays: ``None`` for the first two rows, floats after, and the
    signal is ``'buy'`` when the older value is below the newer one, else ``'sell'`` (also on NaN).

    Example:
        >>> import numpy as np
        >>> hull_suit(np.arange(1.0, 200.0)).signal
        'buy'
    """
    if mode_switch not in _MODES:
        raise ValueError(f"hull_suit: mode_switch must be one of {_MODES}, got {mode_switch!r}")
    mode_len = int(length * length_mult)
    check_period(mode_len, "hull_suit: int(length * length_mult)")
    if mode_len < (6 if mode_switch == "Thma" else 2):
        raise ValueError(f"hull_suit: int(length * length_mult) = {mode_len} is too short for {mode_switch}")
    _, source = source_of(candles, source_type, sequential)
    mode = _hull_mode(source, mode_switch, mode_len)
    n = mode.shape[0]
    if not sequential:
        # the last row of the object arrays built below
        if n <= 2:
            return HullSuit(None, None, None)
        older, newer = float(mode[n - 3]), float(mode[n - 1])
        return HullSuit(older, newer, "buy" if older < newer else "sell")
    s_hull = np.full(n, None, dtype=object)
    m_hull = np.full(n, None, dtype=object)
    signal = np.full(n, None, dtype=object)
    if n > 2:
        s_hull[2:] = mode[:-2].tolist()
        m_hull[2:] = mode[2:].tolist()
        signal[2:] = np.where(mode[:-2] < mode[2:], "buy", "sell").tolist()
    if sequential:
        return HullSuit(s_hull, m_hull, signal)
    return HullSuit(s_hull[-1], m_hull[-1], signal[-1])
