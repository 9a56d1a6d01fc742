"""FRAMA - fractal adaptive moving average."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _alpha_of_old_alpha(old_alpha, k_n, fc, a_min):
    old_n = (2.0 - old_alpha) / old_alpha
    n_val = k_n * (old_n - 1.0) + fc
    alpha = 2.0 / (n_val + 1.0)
    if alpha < a_min:
        return a_min
    if alpha > 1.0:
        return 1.0
    return alpha


# error_model="numpy": SC=1 (0/0) gives Jesse's NaN, not an exception, and divisions skip the zero test
@numba.njit(cache=True, error_model="numpy")
def _frama(high, low, close, window, fc, sc):
    n = high.shape[0]
    out = np.full(n, np.nan)
    if n < window:
        return out
    half = window // 2
    w = np.log(2.0 / (sc + 1.0))
    k_n = (sc - fc) / (sc - 1.0)
    a_min = 2.0 / (sc + 1.0)
    # Jesse's d = (log(n1 + n2) - log(n3)) / log(2) with n1 = r1 / half, n2 = r2 / half, n3 = r3 / window
    # and window = 2 half is 1 + log2(q), q = (r1 + r2) / r3: one division and one logarithm instead of four
    # and three (the same value to a few ulps; parity relative error 1e-15). Then exp(w (d - 1)) is clamped to
    # [0.1, 1]: it is 1 whenever q <= 1, and 0.1 whenever q >= q_hi (the bound, widened by 1e-9 so that no
    # rounding can cross it), and the logarithm and the exponential are only taken in between. Same bits.
    q_hi = 2.0 ** (np.log(0.1) / w) * (1.0 + 1e-9) if w < 0.0 else np.inf
    alpha_one = _alpha_of_old_alpha(1.0, k_n, fc, a_min)
    alpha_tenth = _alpha_of_old_alpha(0.1, k_n, fc, a_min)
    d_prev = 0.0
    q_prev = -1.0  # > 0: the previous row's d is 1 + log2(q_prev), not yet taken
    s = 0.0
    for i in range(window):
        s += close[i]
    out[window - 1] = s / window
    for i in range(window, n):
        a = i - window
        h1 = -np.inf
        l1 = np.inf
        h2 = -np.inf
        l2 = np.inf
        for k in range(a, a + half):
            h2 = max(h2, high[k])
            l2 = min(l2, low[k])
        for k in range(a + half, i):
            h1 = max(h1, high[k])
            l1 = min(l1, low[k])
        r1 = h1 - l1
        r2 = h2 - l2
        r3 = max(h1, h2) - min(l1, l2)
        if r1 > 0.0 and r2 > 0.0 and r3 > 0.0:
            q = (r1 + r2) / r3
            q_prev = q
            if q <= 1.0:
                alpha = alpha_one
            elif q >= q_hi:
                alpha = alpha_tenth
            else:
                d = 1.0 + np.log2(q)
                alpha = _alpha_of_old_alpha(min(max(np.exp(w * (d - 1.0)), 0.1), 1.0), k_n, fc, a_min)
        else:
            if i > window:
                d = 1.0 + np.log2(q_prev) if q_prev > 0.0 else d_prev
            else:
                d = 0.0
            d_prev = d
            q_prev = -1.0
            alpha = _alpha_of_old_alpha(min(max(np.exp(w * (d - 1.0)), 0.1), 1.0), k_n, fc, a_min)
        out[i] = alpha * close[i] + (1.0 - alpha) * out[i - 1]
    return out


@numba.njit(cache=True)
def _last_frama(a0, a1, a2, a3, a4, a5):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _frama(a0, a1, a2, a3, a4, a5)[-1]


@numba.njit(cache=True)
def _last_frama_rows(c, warm, a0, a1, a2):
    # _last_frama on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_frama(w[:, HIGH], w[:, LOW], w[:, CLOSE], a0, a1, a2)


def frama(candles: np.ndarray, window: int = 10, FC: int = 1, SC: int = 300, sequential: bool = False) -> float | np.ndarray:
    """FRAMA; an odd ``window`` is raised to the next even number, as Jesse does.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> frama(candles_from_close_prices(np.linspace(100, 150, 60)))  # a straight line: no lag at the end
        np.float64(150.0)
    """
    window = check_period(window, "window")
    FC = check_period(FC, "FC")
    SC = check_period(SC, "SC")
    if window % 2 == 1:
        window += 1
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_frama_rows(candles, _warmup_now(), window, FC, SC))
    c = ohlcv(candles, sequential, "frama")
    if not sequential:
        return _f64(_last_frama(c[:, HIGH], c[:, LOW], c[:, CLOSE], window, FC, SC))
    return _frama(c[:, HIGH], c[:, LOW], c[:, CLOSE], window, FC, SC)
