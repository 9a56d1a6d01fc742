"""``research.backtest``: Jesse 3.5.3's ``backtest()`` signature and return value, on the jesse-dag engine.

Example:
    >>> from jesse_dag.research import backtest  # doctest: +SKIP
    >>> result = backtest(config, routes, [], candles, warmup_candles, fast_mode=True)  # doctest: +SKIP
    >>> sorted(result)  # doctest: +SKIP
    ['logs', 'metrics', 'trades']
"""
from __future__ import annotations

from typing import Any

from jesse_dag.engine.run import run_backtest


def backtest(
    config: dict,
    routes: list[dict[str, Any]],
    data_routes: list[dict[str, Any]],
    candles: dict,
    warmup_candles: dict | None = None,
    generate_hyperparameters: bool = False,
    generate_equity_curve: bool = False,
    benchmark: bool = False,
    generate_csv: bool = False,
    generate_json: bool = False,
    generate_logs: bool = False,
    hyperparameters: dict | None = None,
    fast_mode: bool = False,
    candles_pipeline_class: Any = None,
    candles_pipeline_kwargs: dict | None = None,
    generate_charts: bool = False,
    generate_tradingview: bool = False,
    generate_quantstats: bool = False,
) -> dict:
    """Run one backtest and return ``{'metrics', 'logs', 'trades', ...}`` as Jesse does.

    ``candles`` / ``warmup_candles``: ``{"<exchange>-<symbol>": {"exchange", "symbol", "candles": (N, 6)}}``
    of 1-minute rows in Jesse's column order; the arrays are copied, never changed. Routes take a Strategy
    subclass or a name loaded from ``strategies/<Name>/__init__.py`` under the current directory.
    ``fast_mode`` True or False give the same trades and the same daily-balance sampling (Jesse's fast
    mode, reference §4.6). The ``generate_*`` output flags other than ``generate_equity_curve`` and
    ``generate_hyperparameters`` are accepted and their outputs are ``None`` for now (``csv``, ``json``,
    ``charts_*``, ``tradingview``, ``quantstats``); ``generate_logs`` gives ``logs`` None.
    """
    if candles_pipeline_class is not None:
        raise NotImplementedError("candles_pipeline_class is not supported yet")
    run = run_backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters=hyperparameters,
                       fast_mode=fast_mode, generate_equity_curve=generate_equity_curve,
                       generate_hyperparameters=generate_hyperparameters)
    result = run.result
    if generate_csv:
        result["csv"] = None
    if generate_json:
        result["json"] = None
    if generate_charts:
        result["charts_session_id"] = None
        result["charts_folder"] = None
    if generate_tradingview:
        result["tradingview"] = None
    if generate_quantstats:
        result["quantstats"] = None
    return result
