"""``research.backtest``: Jesse 3.5.3's ``backtest()`` signature and return value, on the jesse-dag engine.

Example:
    >>> from jesse_dag.research import backtest  # doctest: +SKIP
    >>> result = backtest(config, routes, [], candles, warmup_candles, fast_mode=True)  # doctest: +SKIP
    >>> sorted(result)  # doctest: +SKIP
    ['logs', 'metrics', 'trades']
"""
from __future__ import annotations

import gc
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
    of 1-minute rows in Jesse's column order; the arrays are never changed (read in place when each market's
    warm-up and trading rows are adjacent slices of one array, ``c[:split]`` and ``c[split:]``, else copied
    once). Routes take a Strategy
    subclass or a name loaded from ``strategies/<Name>/__init__.py`` under the current directory.
    ``fast_mode`` False (Jesse's step simulator) and True (its fast mode, reference §4.6) differ where
    Jesse's two modes do (see :func:`jesse_dag.engine.run.run_backtest`). Each ``generate_*`` flag writes its output under ``storage/`` (of the current
    directory) and puts its path into the result: ``csv``, ``json``, ``logs``, ``equity_curve`` (Jesse's
    list) and ``equity_curve_csv``, ``tradingview`` (Pine script), ``quantstats`` (HTML tearsheet),
    ``charts`` / ``charts_folder`` (the self-contained HTML report); see :mod:`jesse_dag.reports.outputs`.
    ``candles_pipeline_class`` (built with ``candles_pipeline_kwargs``, one per market) or a strategy's
    ``candles_pipeline()`` rewrites the trading candles as Jesse's pipelines do; subclass
    :class:`jesse_dag.candle_pipelines.BaseCandlesPipeline` (see :mod:`jesse_dag.engine.pipelines`).
    ``hyperparameters`` (a dict, given to every route) are laid over each strategy's defaults; a name its
    ``hyperparameters()`` does not declare is refused with the known names (Jesse replaces ``self.hp`` with
    the dict as given and ignores unknown names).
    """
    output_flags = {"generate_csv": generate_csv, "generate_json": generate_json, "generate_logs": generate_logs,
                    "generate_equity_curve": generate_equity_curve, "generate_tradingview": generate_tradingview,
                    "generate_quantstats": generate_quantstats, "generate_charts": generate_charts}
    # the quantstats tearsheet and the chart need the daily equity even when the caller did not ask for it
    needs_curve = generate_equity_curve or generate_quantstats or generate_charts
    return _backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters, fast_mode,
                     needs_curve, generate_hyperparameters, candles_pipeline_class, candles_pipeline_kwargs,
                     output_flags)


def backtest_metrics(config: dict, routes: list[dict[str, Any]], data_routes: list[dict[str, Any]], candles: dict,
                     warmup_candles: dict | None = None, hyperparameters: dict | None = None,
                     fast_mode: bool = False) -> dict:
    """``backtest(...)["metrics"]`` without building the trades' order dicts the metrics never read (batch
    variations and optimisation trials keep only the metrics; ~3% of a run with a thousand trades).

    Example:
        >>> backtest_metrics(config, routes, [], candles, warmup, fast_mode=True)["net_profit"]  # doctest: +SKIP
    """
    return _backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters, fast_mode,
                     trade_orders=False)["metrics"]


def _backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters, fast_mode, needs_curve=False,
              generate_hyperparameters=False, candles_pipeline_class=None, candles_pipeline_kwargs=None,
              output_flags=None, trade_orders=True) -> dict:
    # The run's objects point at each other (session, strategies, markets), so they are freed by the cyclic
    # collector, not at once; its closed trades (with their orders and fill rows, ~10 objects a trade) hang
    # off them. Dropped here while the collector is still paused, they go by reference counting, and the
    # collector's next passes find a few dozen objects instead of every trade of every run so far.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        run = run_backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters=hyperparameters,
                           fast_mode=fast_mode, generate_equity_curve=needs_curve,
                           generate_hyperparameters=generate_hyperparameters,
                           candles_pipeline_class=candles_pipeline_class,
                           candles_pipeline_kwargs=candles_pipeline_kwargs, merge_hyperparameters=True,
                           trade_orders=trade_orders)
        result = run.result
        if output_flags and any(output_flags.values()):
            from jesse_dag.reports.outputs import attach_outputs

            attach_outputs(result, output_flags, candles=candles, routes=routes, strategies=run.strategies,
                           out_dir="storage")
        run.session.closed_trades.clear()
        del run
    finally:
        if gc_was_enabled:
            gc.enable()
    return result
