"""Optimisation and batch research: Optuna search with Jesse's fitness, batch backtests (joblib / Dask),
Monte Carlo on trades and candles, the rule significance test.

The public research functions are in :mod:`jesse_dag.research` (``optimize``, ``monte_carlo_trades``,
``monte_carlo_candles``, ``rule_significance_test``); this package holds their internals and the batch API.

Example:
    >>> from jesse_dag.optimize import Variation, run_batch, fitness  # doctest: +SKIP
"""
import importlib

# eager: the function `fitness` must shadow the submodule of the same name, which Python binds here whenever
# a submodule that imports it loads (light: no Optuna)
from jesse_dag.optimize.fitness import MIN_TRADES, OBJECTIVES, SENTINEL, Fitness, fitness, objective_name

# name -> the submodule that defines it; a name loads its submodule on first use, so `run_batch` does not
# import Optuna (search) or the significance test's kernels (~0.5 s)
_SUBMODULE = {
    "Variation": "batch", "run_batch": "batch",
    "MIN_TRADES": "fitness", "OBJECTIVES": "fitness", "SENTINEL": "fitness", "Fitness": "fitness",
    "fitness": "fitness", "objective_name": "fitness",  # (bound above)
    "LogReturnBlockBootstrap": "montecarlo", "LogReturnGaussianNoise": "montecarlo",
    "monte_carlo_candles": "montecarlo", "monte_carlo_trades": "montecarlo",
    "run_pipeline_optimization": "pipeline",
    "StudyLocked": "search", "best_candidates": "search", "run_optimization": "search",
    "rule_significance_test": "significance",
    "HyperparameterError": "space", "SearchSpace": "space",
}
__all__ = list(_SUBMODULE)

# The log-return pipelines were exported under the names of Jesse's own classes, which behave differently
# (absolute price units, draws inside the backtest); the old names still work, with a warning.
_RENAMED = {"MovingBlockBootstrapCandlesPipeline": "LogReturnBlockBootstrap",
            "GaussianNoiseCandlesPipeline": "LogReturnGaussianNoise"}


def __getattr__(name: str):
    module = _SUBMODULE.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value
    if name in _RENAMED:
        import warnings

        new = _RENAMED[name]
        warnings.warn(f"jesse_dag.optimize.{name} is renamed {new} (log-return candles); Jesse's own {name} "
                      f"is jesse_dag.candle_pipelines.{name}", DeprecationWarning, stacklevel=2)
        return __getattr__(new)
    raise AttributeError(f"module 'jesse_dag.optimize' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
