"""Jesse's config tree as ``helpers.get_config`` reads it: Jesse 3.5.3's defaults, with the running
backtest's own settings in place (its exchange, window length, trading mode), as Jesse's
``research.backtest`` writes them into its global config for the run.

Nothing here is global state: the tree is built from the running session each time it is read (a rare call,
never per bar), so no run sees another's settings.

Example:
    >>> config_tree(None)["env"]["logging"]["order_submission"]
    True
"""
from __future__ import annotations

import copy
from typing import Any

_LOGGING = {
    "strategy_execution": True, "order_submission": True, "order_cancellation": True, "order_execution": True,
    "position_opened": True, "position_increased": True, "position_reduced": True, "position_closed": True,
    "shorter_period_candles": False, "trading_candles": True, "balance_update": True,
    "exchange_ws_reconnection": True,
}

# Jesse 3.5.3's jesse.config.config before a run (its per-exchange entries for live exchanges are left out:
# jesse-dag has no exchange catalogue; a backtest's own exchange is filled in below)
JESSE_DEFAULT_CONFIG: dict[str, Any] = {
    "env": {
        "caching": {"driver": "pickle"},
        "logging": _LOGGING,
        "exchanges": {
            "Sandbox": {"fee": 0, "type": "futures", "annualization": 365, "futures_leverage_mode": "cross",
                        "futures_leverage": 1, "balance": 10_000},
        },
        "optimization": {"objective_function": "sharpe", "trials": 200, "best_candidates_count": 20},
        "data": {"warmup_candles_num": 240, "generate_candles_from_1m": False, "persistency": True,
                 "order_backup_check_seconds": 10, "candle_backup_refresh_seconds": None},
        "metrics": {"annualization": 365},
    },
    "app": {
        "considering_symbols": [], "trading_symbols": [], "considering_timeframes": [], "trading_timeframes": [],
        "considering_exchanges": [], "trading_exchanges": [], "considering_candles": [], "live_drivers": {},
        "trading_mode": "", "debug_mode": False, "is_unit_testing": False,
    },
}


def config_tree(session: Any, warmup_candles_num: int = 240) -> dict:
    """A fresh copy of Jesse's config for ``session`` (None: outside a backtest, Jesse's defaults).

    Example:
        >>> config_tree(None, 210)["env"]["data"]["warmup_candles_num"]
        210
    """
    tree = copy.deepcopy(JESSE_DEFAULT_CONFIG)
    tree["env"]["data"]["warmup_candles_num"] = int(warmup_candles_num)
    exchange = getattr(session, "exchange", None)
    if exchange is None:
        return tree
    options = getattr(session, "options", None) or {}
    annualization = int(options.get("annualization", 365))
    entry = {"fee": float(exchange.fee_rate), "type": exchange.type,
             "simulation_model": "perpetual_futures" if exchange.type == "futures" else "spot",
             "annualization": annualization, "balance": float(exchange.starting_balance)}
    if exchange.type == "futures":
        entry["futures_leverage"] = int(exchange.futures_leverage)
        entry["futures_leverage_mode"] = exchange.futures_leverage_mode
    tree["env"]["exchanges"][exchange.name] = entry
    tree["env"]["logging"] = {k: v for k, v in _LOGGING.items() if k not in ("strategy_execution",
                                                                            "exchange_ws_reconnection")}
    tree["env"]["metrics"]["annualization"] = annualization
    app = tree["app"]
    app["trading_mode"] = "backtest"
    routes = list(getattr(session, "routes", None) or [])
    everything = routes + list(getattr(session, "data_routes", None) or [])
    # Jesse's router writes tuples made from sets (in hash order); sorted here, so a run reads the same order
    app["trading_exchanges"] = tuple(sorted({r.exchange for r in routes}))
    app["trading_symbols"] = tuple(sorted({r.symbol for r in routes}))
    app["trading_timeframes"] = tuple(sorted({r.timeframe for r in routes}))
    app["considering_exchanges"] = tuple(sorted({r.exchange for r in everything}))
    app["considering_symbols"] = tuple(sorted({r.symbol for r in everything}))
    app["considering_timeframes"] = tuple(sorted({r.timeframe for r in everything} | {"1m"}))
    app["considering_candles"] = tuple(sorted({(r.exchange, r.symbol) for r in everything}))
    return tree
