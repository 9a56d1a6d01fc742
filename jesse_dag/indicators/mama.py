"""MESA adaptive moving average."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.indicators import _kernels_g2 as k2
from jesse_dag.indicators._fastpath import check_number, source_of

MAMA = namedtuple("MAMA", ["mama", "fama"])


def mama(candles: np.ndarray, fastlimit: float = 0.5, slowlimit: float = 0.05, source_type: str = "close",
         sequential: bool = False) -> MAMA:
    """MAMA and its following average FAMA; the phase rate picks alpha between the two limits.

    Example:
        >>> import numpy as np
        >>> m = mama(np.linspace(100.0, 110.0, 100))
        >>> 100 < m.fama < m.mama < 110
        True
    """
    fastlimit = check_number(fastlimit, "mama: fastlimit")
    slowlimit = check_number(slowlimit, "mama: slowlimit")
    _, source = source_of(candles, source_type, sequential)
    m, f = k2.mama(source, fastlimit, slowlimit)
    if sequential:
        return MAMA(m, f)
    return MAMA(float(m[-1]), float(f[-1]))
