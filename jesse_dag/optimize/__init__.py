"""Optimisation and batch research: Optuna search with Jesse's fitness, batch backtests (joblib / Dask),
Monte Carlo on trades and candles, the rule significance test.

The public research functions are in :mod:`jesse_dag.research` (``optimize``, ``monte_carlo_trades``,
``monte_carlo_candles``, ``rule_significance_test``); this package holds their internals and the batch API.

Example:
    >>> from jesse_dag.optimize import Variation, run_batch, fitness  # doctest: +SKIP
"""
from jesse_dag.optimize.batch import Variation, run_batch
from jesse_dag.optimize.fitness import MIN_TRADES, OBJECTIVES, SENTINEL, Fitness, fitness, objective_name
from jesse_dag.optimize.montecarlo import (
    GaussianNoiseCandlesPipeline, MovingBlockBootstrapCandlesPipeline, monte_carlo_candles, monte_carlo_trades,
)
from jesse_dag.optimize.pipeline import run_pipeline_optimization
from jesse_dag.optimize.search import StudyLocked, best_candidates, run_optimization
from jesse_dag.optimize.significance import rule_significance_test
from jesse_dag.optimize.space import HyperparameterError, SearchSpace

__all__ = [
    "Variation", "run_batch", "MIN_TRADES", "OBJECTIVES", "SENTINEL", "Fitness", "fitness", "objective_name",
    "GaussianNoiseCandlesPipeline", "MovingBlockBootstrapCandlesPipeline", "monte_carlo_candles",
    "monte_carlo_trades", "run_pipeline_optimization", "StudyLocked", "best_candidates", "run_optimization",
    "rule_significance_test", "HyperparameterError", "SearchSpace",
]
