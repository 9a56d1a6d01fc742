"""The per-trade and per-order paths give what the general code gives (issue 16, the cost of a trade).

- fill callbacks a strategy does not override are skipped, the ones it overrides (on the class or on the
  instance) run once per fill, in Jesse's order;
- the order and trade dicts keep Jesse's keys, in Jesse's order, with the same values as the fields;
- a futures exchange books no reduce-only order (nothing to add at submission, nothing to take out at a fill or
  a cancellation), and the margin of empty books is the wallet, bit for bit.
"""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.engine import run_backtest
from jesse_dag.engine.models import ClosedTrade, FuturesExchange, Order, Position, format_id
from jesse_dag.strategies import Strategy

CONFIG = {"starting_balance": 10_000, "fee": 0.001, "type": "futures", "futures_leverage": 2,
          "futures_leverage_mode": "cross", "exchange": "Sandbox"}
# up, then down: a long at bar 1 takes half its profit at 103.5, is added to at bar 4, and stops out at 98
CLOSES = [100.0, 100.0, 102.0, 104.0, 106.0, 103.0, 101.0, 99.0, 97.0, 97.0, 97.0, 97.0]


class _Callbacks(Strategy):
    """A long with a stop and two targets, increased once: every fill callback fires."""

    calls: list

    def should_long(self):
        return self.index == 1

    def go_long(self):
        self.buy = 2, self.price
        self.stop_loss = 2, 98.0
        self.take_profit = [(1, 103.5), (1, 120.0)]

    def update_position(self):
        if self.index == 4 and self.increased_count == 1:
            self.buy = 1, self.price


def _run(cls) -> dict:
    candles = candles_from_close_prices(np.array(CLOSES))
    return run_backtest(CONFIG, [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT", "timeframe": "1m"}],
                        [], {"Sandbox-BTC-USDT": {"candles": candles}}).result


def _recording(where: str):
    """_Callbacks recording its fill callbacks, defined on the class or assigned on the instance."""
    def make(name):
        def hook(self, order, *closed):
            type(self).calls.append((name, self.position.qty))
        return hook

    names = ("on_open_position", "on_close_position", "on_increased_position", "on_reduced_position")
    if where == "class":
        return type("Rec", (_Callbacks,), {"calls": [], **{n: make(n) for n in names}})

    def __init__(self):
        _Callbacks.__init__(self)
        for n in names:
            setattr(self, n, make(n).__get__(self))

    return type("Rec", (_Callbacks,), {"calls": [], "__init__": __init__})


def test_fill_callbacks_run_when_overridden_on_the_class_or_the_instance_and_not_otherwise():
    plain = _run(type("Plain", (_Callbacks,), {"calls": []}))
    for where in ("class", "instance"):
        cls = _recording(where)
        result = _run(cls)
        # the callbacks change nothing here
        assert [{**t, "strategy_name": None} for t in result["trades"]] == [
            {**t, "strategy_name": None} for t in plain["trades"]]
        assert [name for name, _ in cls.calls] == ["on_open_position", "on_reduced_position",
                                                   "on_increased_position", "on_close_position"], where
        assert cls.calls[0][1] == 2 and cls.calls[-1][1] == 0
    (trade,) = plain["trades"]
    assert [(o["side"], o["type"], o["qty"]) for o in trade["orders"]] == [
        ("buy", "MARKET", 2.0), ("sell", "LIMIT", -1.0), ("buy", "MARKET", 1.0), ("sell", "STOP", -2.0)]


ORDER_KEYS = ["id", "trade_id", "session_id", "exchange_id", "symbol", "side", "type", "qty", "filled_qty", "price",
              "status", "created_at", "canceled_at", "executed_at", "exchange", "reduce_only", "submitted_via",
              "jesse_submitted", "order_exist_in_exchange", "updated_at", "session_mode"]
TRADE_KEYS = ["id", "strategy_name", "symbol", "exchange", "type", "entry_price", "exit_price", "qty", "opened_at",
              "closed_at", "fee", "size", "PNL", "PNL_percentage", "holding_period", "orders"]


def test_order_and_trade_dicts_have_jesses_keys_in_order_and_the_fields_values():
    for number in (7, 0x1_0000_0000_0000 + 5):
        o = Order(number, "s", "Sandbox", "BTC-USDT", "sell", "STOP", -0.5, 99.5, True, 1_000)
        o.trade_id, o.submitted_via = "t", "stop-loss"
        d = o.to_dict
        assert list(d) == ORDER_KEYS
        assert d["id"] == format_id(number) == o.id
        assert [d[k] for k in ORDER_KEYS[1:]] == [
            "t", "s", None, "BTC-USDT", "sell", "STOP", -0.5, 0.0, 99.5, "ACTIVE", 1_000, None, None, "Sandbox", True,
            "stop-loss", True, True, None, "backtest"]
        assert o.to_dict is not d and o.to_dict == d  # a new dict each time (the caller may change it)
    o.id = "given"
    assert o.to_dict["id"] == "given"
    t = ClosedTrade("t")
    t.type, t.leverage, t.opened_at, t.closed_at = "short", 2, 1_000.0, 61_000.0
    t.sell_orders, t.buy_orders, t.leg_fees, t.orders = [(1.0, 100.0)], [(1.0, 90.0)], [0.1, 0.09], [o]
    d = t.to_dict()
    assert list(d) == TRADE_KEYS and d["orders"] == [o.to_dict]
    assert (d["qty"], d["PNL"], d["holding_period"]) == (t.qty, t.pnl, 60.0)


def _exchange() -> FuturesExchange:
    ex = FuturesExchange("Sandbox", 10_000.0, 0.001, ["BTC-USDT"], "USDT", 3, "cross")
    ex.positions["BTC-USDT"] = Position("Sandbox", "BTC-USDT", ex)
    return ex


def test_a_futures_exchange_books_no_reduce_only_order_and_its_empty_books_leave_the_wallet():
    ex = _exchange()
    assert ex.available_margin == 10_000.0 and not ex.books_reduce_only
    entry = Order(1, "s", "Sandbox", "BTC-USDT", "buy", "LIMIT", 1.5, 90.0, False, 0)
    twin = Order(2, "s", "Sandbox", "BTC-USDT", "buy", "LIMIT", 1.5, 90.0, False, 0)
    ex.on_order_submission(entry, str)
    ex.on_order_submission(twin, str)
    assert ex.buy_orders["BTC"] == [(1.5, 90.0), (1.5, 90.0)]
    assert ex.available_margin == 10_000.0 - max(abs(1.5 * 90.0 + 1.5 * 90.0) / 3, 0.0 / 3)
    ex.on_order_cancellation(twin)  # one of two equal rows, then the last row alone
    assert ex.buy_orders["BTC"] == [(1.5, 90.0)]
    ex.on_order_execution(entry)
    assert ex.buy_orders["BTC"] == [] and ex.available_margin == 10_000.0
    other = Order(3, "s", "Sandbox", "BTC-USDT", "buy", "LIMIT", 2.0, 90.0, False, 0)
    ex.on_order_submission(other, str)
    ex.on_order_cancellation(entry)  # an order whose row is not in the book leaves the book as it is
    assert ex.buy_orders["BTC"] == [(2.0, 90.0)]


def test_reduce_only_exits_leave_the_books_and_the_margin_as_the_entries_left_them():
    seen = []

    class Probe(_Callbacks):
        calls: list = []

        def after(self):
            ex = self._session.exchange
            active = [o for o in self.orders if o.is_active]
            seen.append((list(ex.buy_orders["BTC"]), list(ex.sell_orders["BTC"]),
                         [(o.side, o.qty, o.price) for o in active if not o.reduce_only],
                         sum(o.reduce_only for o in active)))

    _run(Probe)
    # the books hold the pending entries (a market order until the bar's end), never the resting exits
    assert any(exits > 0 for *_, exits in seen)
    for buys, sells, entries, _ in seen:
        assert buys == [(q, p) for side, q, p in entries if side == "buy"] and sells == []


def test_the_margin_checked_at_submission_is_available_margin_bit_for_bit():
    """The submission's shortcut (one asset, empty books, flat) checks against the property's value: an order
    of exactly that margin is accepted, one a float step larger is refused (leverage 1, price 1: size = qty)."""
    import math

    import pytest

    from jesse_dag.engine.exceptions import InsufficientMargin

    for wallet in (10_000.0, 0.1 + 0.2, 1e-300, 123_456.789):
        for side in ("buy", "sell"):
            ex = FuturesExchange("Sandbox", wallet, 0.001, ["BTC-USDT"], "USDT", 1, "cross")
            ex.positions["BTC-USDT"] = Position("Sandbox", "BTC-USDT", ex)
            margin = ex.available_margin
            sign = 1 if side == "buy" else -1
            with pytest.raises(InsufficientMargin, match="the available margin is"):
                ex.on_order_submission(Order(1, "s", "Sandbox", "BTC-USDT", side, "LIMIT",
                                             sign * math.nextafter(margin, math.inf), 1.0, False, 0), str)
            ex.on_order_submission(Order(2, "s", "Sandbox", "BTC-USDT", side, "LIMIT", sign * margin, 1.0, False, 0),
                                   str)
            assert (ex.buy_orders if side == "buy" else ex.sell_orders)["BTC"] == [(sign * margin, 1.0)]
