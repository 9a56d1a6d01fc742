"""The minute engine: Jesse 3.5.3's backtest semantics, numba scans between bar closes.

Public surface: :func:`run_backtest` (returns a :class:`BacktestRun` with ``.result`` and ``.strategies``)
and the exceptions in :mod:`jesse_dag.engine.exceptions`.

Example:
    >>> from jesse_dag.engine import run_backtest, BacktestRun  # doctest: +SKIP
"""
from jesse_dag.engine.exceptions import (
    ConflictingRules, HookContext, InsufficientBalance, InsufficientMargin, InvalidCandles, InvalidConfig,
    InvalidHyperparameters, InvalidRoutes, InvalidShape, InvalidStrategy, JesseDagError, OrderNotAllowed,
    RouteNotFound, StrategyError, hook_context,
)
from jesse_dag.engine.run import BacktestRun, run_backtest

__all__ = [
    "BacktestRun", "run_backtest", "ConflictingRules", "InsufficientBalance", "InsufficientMargin",
    "InvalidCandles", "InvalidConfig", "InvalidRoutes", "InvalidShape", "InvalidStrategy", "JesseDagError",
    "OrderNotAllowed", "RouteNotFound", "StrategyError", "HookContext", "InvalidHyperparameters",
    "hook_context",
]
