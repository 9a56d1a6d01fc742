"""``research.optimize`` and the robustness functions, with Jesse 3.5.3's signatures (keyword-compatible).

Internals live in :mod:`jesse_dag.optimize`; see ``docs/optimize.md``.

Example:
    >>> from jesse_dag.research import optimize  # doctest: +SKIP
    >>> out = optimize(config, routes, [], train, train_warm, test, test_warm, trials=20, seed=1)  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any

from jesse_dag.optimize.montecarlo import monte_carlo_candles, monte_carlo_trades
from jesse_dag.optimize.search import run_optimization
from jesse_dag.optimize.significance import rule_significance_test

__all__ = ["optimize", "monte_carlo_trades", "monte_carlo_candles", "rule_significance_test"]


def optimize(config: dict, routes: list[dict], data_routes: list[dict], training_candles: dict,
             training_warmup_candles: dict | None, testing_candles: dict, testing_warmup_candles: dict | None,
             optimal_total: int = 200, fast_mode: bool = True, cpu_cores: int | None = None, trials: int = 200,
             objective_function: str = "sharpe", best_candidates_count: int = 20, progress_bar: bool = True,
             *, seed: int | None = None, storage: Any = None, study_name: str | None = None,
             sampler: Any = None) -> dict:
    """Search the first route's ``hyperparameters()`` with an Optuna sampler; Jesse's fitness on training.

    Runs ``trials × len(hyperparameters())`` trials (Jesse's count). Each trial backtests the training
    candles (scored: at least 6 trades, ``min(log10(trades)/log10(optimal_total), 1) × (ratio + 0.5)/(max +
    0.5)``, a negative or non-finite ratio gets 0.0001) and the testing candles (reported only). The study
    lives in ``storage`` (default ``storage/optuna/optimize.db`` under the current directory; a path, a
    database URL, an Optuna storage, or False for memory) under ``study_name`` (default: strategy name + a
    hash of the inputs), so a killed run resumes with every finished trial kept. ``sampler``: ``'tpe'``
    (default), ``'random'``, ``'qmc'``, ``'cmaes'``, ``'gp'`` or an Optuna sampler; ``seed`` seeds it
    (deterministic for a given ``cpu_cores``).

    Returns ``{best_trials, total_trials, completed_trials, objective_function, study_name, storage,
    interrupted_trials_recovered, failed_trials}``; each best trial has ``rank``, ``trial``, ``params``,
    ``fitness`` (4 decimals), ``score``, ``dna`` (Jesse's base64 DNA), ``training_metrics``,
    ``testing_metrics``.
    """
    return run_optimization(config, routes, data_routes, training_candles, training_warmup_candles,
                            testing_candles, testing_warmup_candles, optimal_total=optimal_total,
                            fast_mode=fast_mode, cpu_cores=cpu_cores, trials=trials,
                            objective_function=objective_function, best_candidates_count=best_candidates_count,
                            progress_bar=progress_bar, seed=seed, storage=storage, study_name=study_name,
                            sampler=sampler)
