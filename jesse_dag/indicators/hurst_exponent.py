"""Hurst exponent of the trailing window (no sequential form, as in Jesse)."""
from __future__ import annotations

import numpy as np

from jesse_dag.indicators import _kernels_fractal
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


def _fit_slope(x: np.ndarray, y: np.ndarray) -> float:
    a = np.vstack([x, np.ones(len(x))]).T
    return float(np.linalg.lstsq(a, y, rcond=None)[0][0])


def hurst_exponent(candles: np.ndarray, min_chunksize: int = 8, max_chunksize: int = 200, num_chunksize: int = 5,
                   method: int = 1, source_type: str = "close") -> float | None:
    """Hurst exponent of the last ``warmup_candles_num`` candles; None when it is NaN.

    method 0: rescaled range over ``num_chunksize`` chunk sizes spread evenly from ``min_chunksize`` to
    ``max_chunksize + 1`` (on the first differences); 1: detrended moving average with window sizes
    ``min_chunksize, min_chunksize + num_chunksize, ...`` up to ``max_chunksize``; 2: discrete
    second-order derivatives.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> 0.3 < hurst_exponent(100 + np.cumsum(rng.normal(size=240))) < 0.7
        np.True_
    """
    min_chunksize = check_period(min_chunksize, "hurst_exponent: min_chunksize")
    max_chunksize = check_period(max_chunksize, "hurst_exponent: max_chunksize")
    num_chunksize = check_period(num_chunksize, "hurst_exponent: num_chunksize")
    if method not in (0, 1, 2):
        raise NotImplementedError(f"hurst_exponent: method {method!r} is not implemented (0, 1 or 2)")
    arr, source = source_of(candles, source_type, False)
    if method == 0:
        diffs = np.ascontiguousarray(np.diff(source))
        sizes = np.linspace(min_chunksize, max_chunksize + 1, num_chunksize).astype(np.int64)
        if diffs.shape[0] < sizes.max():
            raise ValueError(f"hurst_exponent: {source.shape[0]} values, need more than {sizes.max()} for method 0")
        with np.errstate(divide="ignore", invalid="ignore"):
            h = _fit_slope(np.log(sizes), np.log(_kernels_fractal.rescaled_range_means(diffs, sizes)))
    elif method == 1:
        top = max_chunksize + 1
        if source.shape[0] <= top:
            raise ValueError(f"hurst_exponent: {source.shape[0]} values, need more than {top} for method 1")
        windows = np.arange(min_chunksize, top, num_chunksize, dtype=np.int64)
        factor = 1 / (source.shape[0] - top)
        dma = np.array([np.sqrt(factor * _kernels_fractal.detrended_moving_average_noise(source, int(w), top)) for w in windows])
        with np.errstate(divide="ignore", invalid="ignore"):
            h = _fit_slope(np.log10(windows), np.log10(dma))
    else:
        if source.shape[0] < 6:
            raise ValueError(f"hurst_exponent: {source.shape[0]} values, need at least 6 for method 2")
        with np.errstate(divide="ignore", invalid="ignore"):
            h = float(_kernels_fractal.second_order_ratio(source))
    return None if np.isnan(h) else _f64(h)
