"""VIDYA: Variable Index Dynamic Average (Jesse ``ta.vidya``).

The EMA's alpha ``2/(length+1)`` is scaled by |CMO|/100 over ``9`` bars (``fix_cmo``) or ``length`` bars
(``select=True``), or by the population std of the last ``length`` values (``select=False``).
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.indicators import _fastpath, _kernels
from jesse_dag.indicators._fastpath import check_period, source_of


@numba.njit(cache=True)
def _vidya(source, length, fix_cmo, select):
    n = source.shape[0]
    alpha = 2.0 / (length + 1.0)
    cmo_length = 9 if fix_cmo else length
    mom = np.zeros(n)
    for i in range(1, n):
        mom[i] = source[i] - source[i - 1]
    out = source.copy()
    for i in range(1, n):
        if select:
            start = max(0, i + 1 - cmo_length)
            sm1 = 0.0
            sm2 = 0.0
            for k in range(start, i + 1):
                if mom[k] >= 0.0:
                    sm1 += mom[k]
                else:
                    sm2 -= mom[k]
            tot = sm1 + sm2
            k_val = abs((sm1 - sm2) / tot * 100.0) / 100.0 if tot != 0.0 else 0.0
        else:
            start = max(0, i + 1 - length)
            m = i + 1 - start
            mean = 0.0
            for k in range(start, i + 1):
                mean += source[k]
            mean /= m
            v = 0.0
            for k in range(start, i + 1):
                v += (source[k] - mean) ** 2
            k_val = np.sqrt(v / m)
        eff = alpha * k_val
        out[i] = eff * source[i] + (1.0 - eff) * out[i - 1]
    return out


@numba.njit(cache=True)
def _last_vidya(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _vidya(a0, a1, a2, a3)[-1]


@numba.njit(cache=True)
def _last_vidya_src(c, code, warm, a0, a1, a2):
    # _last_vidya on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_vidya(w[:, code], a0, a1, a2)
    return _last_vidya(_fastpath.derived_source(w, code), a0, a1, a2)


def vidya(candles: np.ndarray, length: int = 9, fix_cmo: bool = True, select: bool = True,
          source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Variable Index Dynamic Average, seeded with the first value.

    Example:
        >>> import numpy as np
        >>> vidya(np.full(5, 2.0))
        2.0
    """
    length = check_period(length, "length")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return float(_last_vidya_src(candles, code, _warmup_candles_num.get(), length, bool(fix_cmo), bool(select)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return float(_last_vidya(source, length, bool(fix_cmo), bool(select)))
    res = _vidya(source, length, bool(fix_cmo), bool(select))
    return res
