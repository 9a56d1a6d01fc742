"""The public research functions, as Jesse's ``jesse.research`` names them.

Each name loads its module on first use, so ``import jesse_dag.research`` stays cheap.

Example:
    >>> from jesse_dag import research
    >>> result = research.backtest(config, routes, data_routes, candles, warmup_candles)  # doctest: +SKIP
    >>> result["metrics"]["net_profit"]  # doctest: +SKIP
"""
from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # candles and the store (data layer)
    "get_candles": "jesse_dag.research._candles",
    "store_candles": "jesse_dag.research._candles",
    "import_candles": "jesse_dag.research._candles",
    "candles_from_close_prices": "jesse_dag.research._candles",
    "fake_candle": "jesse_dag.research._candles",
    "fake_range_candles": "jesse_dag.research._candles",
    # the engine
    "backtest": "jesse_dag.research._backtest",
    # machine learning
    "gather_ml_data": "jesse_dag.research._ml",
    "train_model": "jesse_dag.research._ml",
    "load_ml_data_csv": "jesse_dag.research._ml",
    "load_ml_model": "jesse_dag.research._ml",
    # optimisation and robustness
    "optimize": "jesse_dag.research._optimize",
    "monte_carlo_trades": "jesse_dag.research._optimize",
    "monte_carlo_candles": "jesse_dag.research._optimize",
    "rule_significance_test": "jesse_dag.research._optimize",
    # reports of those results
    "print_optimize_summary": "jesse_dag.research._reports",
    "plot_significance_test": "jesse_dag.research._reports",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'jesse_dag.research' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
