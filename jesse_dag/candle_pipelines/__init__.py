"""Jesse's ``jesse.candle_pipelines``: :class:`BaseCandlesPipeline` to subclass for
``backtest(..., candles_pipeline_class=...)`` or a strategy's ``candles_pipeline()``, and Jesse's three
ready-made pipelines that make synthetic candles for robustness tests.

Each ready-made pipeline rewrites every ``batch_size`` minutes of 1m candles from the last close of the
previous batch on (so the price path stays continuous), keeps timestamps and volume, and clamps prices so
high >= max(open, close) >= min(open, close) >= low > 0, with Jesse's formulas and draw order: the
Gaussian ones draw from numpy's global random state as Jesse's do (seed it with ``np.random.seed`` for a
repeatable run), the bootstrap from its own generator (``seed=``).

``research.monte_carlo_candles(candles_pipeline_class=...)`` runs them as Jesse does, inside each scenario's
backtest with ``seed + i`` for scenario *i*. They also have ``transform(candles, rng)``: all the candles
rewritten at once, drawing from ``rng``.

Example:
    >>> import numpy as np
    >>> from jesse_dag.research import candles_from_close_prices
    >>> c = candles_from_close_prices(100 + np.arange(40.0))
    >>> out = MovingBlockBootstrapCandlesPipeline(batch_size=20, seed=1).transform(c, np.random.default_rng(0))
    >>> out.shape, bool((out[:, 3] >= np.maximum(out[:, 1], out[:, 2])).all()), bool(out[0, 1] == c[0, 1])
    ((40, 6), True, True)
"""
# Jesse's package layout, so `from jesse_dag.candle_pipelines.moving_block_bootstrap import ...` works as in Jesse
from jesse_dag.candle_pipelines.base_candles import BaseCandlesPipeline
from jesse_dag.candle_pipelines.gaussian_noise import GaussianNoiseCandlesPipeline
from jesse_dag.candle_pipelines.gaussian_resampler import GaussianResamplerCandlesPipeline
from jesse_dag.candle_pipelines.moving_block_bootstrap import MovingBlockBootstrapCandlesPipeline

__all__ = ["BaseCandlesPipeline", "GaussianNoiseCandlesPipeline", "GaussianResamplerCandlesPipeline",
           "MovingBlockBootstrapCandlesPipeline"]
