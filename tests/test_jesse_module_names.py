"""Modules a ported strategy imports by Jesse's names: ``jesse_dag.exceptions`` and ``jesse_dag.models``."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

JESSE = Path("/work/.jesse-venv/lib/python3.11/site-packages/jesse")  # only for the name comparison below


def test_every_exception_name_of_jesse_imports_and_the_engine_raises_the_same_classes():
    from jesse_dag import exceptions
    from jesse_dag.engine import exceptions as engine

    names = ["EmptyPosition", "OpenPositionError", "OrderNotAllowed", "ConflictingRules", "InvalidStrategy",
             "CandleNotFoundInDatabase", "CandleNotFoundInExchange", "SymbolNotFound", "RouteNotFound",
             "InvalidRoutes", "ExchangeInMaintenance", "ExchangeNotResponding", "ExchangeRejectedOrder",
             "ExchangeRejectedLeverageNumber", "ExchangeOrderNotFound", "HistoryIntegrityError", "InvalidShape",
             "InvalidConfig", "InvalidTimeframe", "InvalidSymbol", "NegativeBalance", "InsufficientMargin",
             "InsufficientBalance", "Termination", "InvalidExchangeApiKeys", "ExchangeError", "NotSupportedError",
             "CandlesNotFound", "InvalidDateRange"]
    for name in names:
        cls = getattr(exceptions, name)
        assert isinstance(cls, type) and issubclass(cls, Exception), name
        if hasattr(engine, name):
            assert cls is getattr(engine, name), f"{name}: the class the engine raises must be the one exported"
    init = JESSE / "exceptions" / "__init__.py"
    if init.exists():  # Jesse's own list, when its venv is here: nothing missing
        assert set(re.findall(r"^class (\w+)\(", init.read_text(), re.M)) <= set(names)


def test_ported_strategy_code_catches_an_engine_error_by_jesse_name():
    from jesse_dag import exceptions, research
    from jesse_dag.strategies import Strategy

    class Greedy(Strategy):
        def should_long(self):
            return True

        def go_long(self):
            self.buy = 1e9, self.price  # far beyond the margin

    candles = research.candles_from_close_prices([100 + i % 7 for i in range(300)])
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": Greedy, "symbol": "BTC-USDT", "timeframe": "5m"}]
    with pytest.raises(exceptions.InsufficientMargin):
        research.backtest(config, routes, [], {"Sandbox-BTC-USDT": {"exchange": "Sandbox", "symbol": "BTC-USDT",
                                                                    "candles": candles}})


@pytest.mark.parametrize("name", ["Order", "Position", "ClosedTrade", "Exchange", "FuturesExchange", "SpotExchange"])
def test_models_by_jesse_names_are_the_engine_classes(name):
    from jesse_dag.engine import models

    package = importlib.import_module("jesse_dag.models")
    module = importlib.import_module(f"jesse_dag.models.{name}")
    assert getattr(package, name) is getattr(module, name) is getattr(models, name)


def test_a_strategy_hinting_with_jesse_models_sees_its_orders_as_those_classes():
    from jesse_dag import research
    from jesse_dag.models import Order, Position
    from jesse_dag.strategies import Strategy

    seen = []

    class Hinted(Strategy):
        def should_long(self):
            return not self.position.is_open and self.index % 10 == 0

        def go_long(self):
            self.buy = 1, self.price - 1

        def should_cancel_entry(self):
            return True

        def before(self):
            orders: list[Order] = self.orders
            position: Position = self.position
            seen.append((all(isinstance(o, Order) for o in orders), isinstance(position, Position), len(orders)))

    candles = research.candles_from_close_prices([100 + (i % 11) for i in range(600)])
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": Hinted, "symbol": "BTC-USDT", "timeframe": "5m"}]
    research.backtest(config, routes, [], {"Sandbox-BTC-USDT": {"exchange": "Sandbox", "symbol": "BTC-USDT",
                                                                "candles": candles}})
    assert seen and all(a and b for a, b, _ in seen) and any(n > 0 for *_, n in seen)


def test_app_currency_is_the_first_routes_quote_inside_a_run_and_refused_outside():
    from jesse_dag import helpers as jh
    from jesse_dag import research
    from jesse_dag.strategies import Strategy

    seen = []

    class Reads(Strategy):
        def should_long(self):
            seen.append(jh.app_currency())
            return False

        def go_long(self):
            pass

    candles = research.candles_from_close_prices([100 + i % 5 for i in range(120)])
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": Reads, "symbol": "ETH-BUSD", "timeframe": "5m"}]
    research.backtest(config, routes, [], {"Sandbox-ETH-BUSD": {"exchange": "Sandbox", "symbol": "ETH-BUSD",
                                                                "candles": candles}})
    assert seen and set(seen) == {"BUSD"}
    with pytest.raises(RuntimeError, match="during a backtest"):
        jh.app_currency()
