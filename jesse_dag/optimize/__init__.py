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
    LogReturnBlockBootstrap, LogReturnGaussianNoise, monte_carlo_candles, monte_carlo_trades,
)
from jesse_dag.optimize.pipeline import run_pipeline_optimization
from jesse_dag.optimize.search import StudyLocked, best_candidates, run_optimization
from jesse_dag.optimize.significance import rule_significance_test
from jesse_dag.optimize.space import HyperparameterError, SearchSpace

__all__ = [
    "Variation", "run_batch", "MIN_TRADES", "OBJECTIVES", "SENTINEL", "Fitness", "fitness", "objective_name",
    "LogReturnBlockBootstrap", "LogReturnGaussianNoise", "monte_carlo_candles",
    "monte_carlo_trades", "run_pipeline_optimization", "StudyLocked", "best_candidates", "run_optimization",
    "rule_significance_test", "HyperparameterError", "SearchSpace",
]

# The log-return pipelines were exported under the names of Jesse's own classes, which behave differently
# (absolute price units, draws inside the backtest); the old names still work, with a warning.
_RENAMED = {"MovingBlockBootstrapCandlesPipeline": "LogReturnBlockBootstrap",
            "GaussianNoiseCandlesPipeline": "LogReturnGaussianNoise"}


def __getattr__(name: str):
    if name in _RENAMED:
        import warnings

        new = _RENAMED[name]
        warnings.warn(f"jesse_dag.optimize.{name} is renamed {new} (log-return candles); Jesse's own {name} "
                      f"is jesse_dag.candle_pipelines.{name}", DeprecationWarning, stacklevel=2)
        return globals()[new]
    raise AttributeError(f"module 'jesse_dag.optimize' has no attribute {name!r}")
