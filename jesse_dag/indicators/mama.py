"""MESA adaptive moving average."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_averages
from jesse_dag.indicators._core import check_number, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

MAMA = namedtuple("MAMA", ["mama", "fama"])


@numba.njit(cache=True)
def _last_mama_src(c, code, warm, fastlimit, slowlimit):
    # the last values on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane): the
    # source copied contiguous, so _kernels_averages.mama runs the one layout the sequential path compiles
    m, f = _kernels_averages.mama(_kernels.window_source(c, code, warm), fastlimit, slowlimit)
    return m[-1], f[-1]


def mama(candles: np.ndarray, fastlimit: float = 0.5, slowlimit: float = 0.05, source_type: str = "close",
         sequential: bool = False) -> MAMA:
    """MAMA and its following average FAMA; the phase rate picks alpha between the two limits.

    Example:
        >>> import numpy as np
        >>> m = mama(np.linspace(100.0, 110.0, 100))
        >>> 100 < m.fama < m.mama < 110
        np.True_
    """
    fastlimit = check_number(fastlimit, "mama: fastlimit")
    slowlimit = check_number(slowlimit, "mama: slowlimit")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return MAMA(*map(_f64, _last_mama_src(candles, code, _warmup_now(), fastlimit, slowlimit)))
    _, source = source_of(candles, source_type, sequential)
    m, f = _kernels_averages.mama(source, fastlimit, slowlimit)
    if sequential:
        return MAMA(m, f)
    return MAMA(_f64(m[-1]), _f64(f[-1]))
