"""An entry re-placed every bar and a trade's lifecycle, on the engine's short paths (issue 16, session 8).

- cancelling a one-order book (an entry cancelled by ``should_cancel_entry`` every bar) leaves what the general
  cancel leaves: the order CANCELED at the bar's time, nothing pending in the exchange's books (the margin is
  the wallet), no orders, no declarations, and a new order with the next id;
- a one-pair declaration of plain numbers (floats, ints, numpy floats) gives the same orders as the floats, and
  anything else still meets its error;
- a fill finds its market without building its key, with two markets trading in turn.
"""
from __future__ import annotations

import numpy as np
import pytest

from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.engine import run_backtest
from jesse_dag.engine.exceptions import InvalidStrategy
from jesse_dag.strategies import Strategy

CONFIG = {"starting_balance": 10_000, "fee": 0.001, "type": "futures", "futures_leverage": 2,
          "futures_leverage_mode": "cross", "exchange": "Sandbox"}
CLOSES = [100.0, 100.5, 101.0, 100.5, 100.0, 100.5, 101.0, 102.0, 104.0, 107.0, 103.0, 99.0, 97.0, 97.0]


def _run(cls, closes=CLOSES, config=CONFIG, symbols=("BTC-USDT",)) -> dict:
    candles = {f"Sandbox-{s}": {"candles": candles_from_close_prices(np.array(closes))} for s in symbols}
    routes = [{"exchange": "Sandbox", "strategy": cls, "symbol": s, "timeframe": "1m"} for s in symbols]
    return run_backtest(config, routes, [], candles).result


class _Replacing(Strategy):
    """A stop entry 3 above the price, cancelled and placed again every bar until the price reaches it."""

    seen: list

    def should_long(self):
        # runs after the cancel: what the strategy sees of the cancelled order and the account
        held = self.vars.get("held")
        if held is not None:
            type(self).seen.append((held.status, held.canceled_at == self.time, list(self.orders),
                                    self.available_margin == self.balance, self.average_stop_loss
                                    if self._stop_loss is not None else None))
        return True

    def should_cancel_entry(self):
        return True

    def go_long(self):
        self.buy = self.entry_qty(), self.price + 3
        self.stop_loss = self.entry_qty(), self.price - 5

    def entry_qty(self):
        return 1.0

    def update_position(self):
        if self.index == 11:
            self.liquidate()

    def after(self):
        if self.position.qty == 0 and self.orders:
            self.vars["held"] = self.orders[0]
        else:
            self.vars.pop("held", None)


def test_a_cancelled_one_order_book_is_what_the_general_cancel_leaves():
    cls = type("Rec", (_Replacing,), {"seen": []})
    result = _run(cls)
    assert cls.seen, "the entry was never re-placed"
    for status, cancelled_now, orders, margin_is_wallet, average_sl in cls.seen:
        assert status == "CANCELED" and cancelled_now
        assert orders == [] and margin_is_wallet and average_sl is None
    (trade,) = result["trades"]
    # the entry that filled is the last one placed: one id per re-placed order, in order
    assert trade["orders"][0]["type"] == "STOP" and trade["orders"][0]["side"] == "buy"
    ids = [int(o["id"].rsplit("-", 1)[1], 16) for o in trade["orders"]]
    assert ids == sorted(ids)


@pytest.mark.parametrize("qty", [1.0, 1, np.float64(1.0)])
def test_a_one_pair_declaration_of_plain_numbers_gives_the_floats_orders(qty):
    cls = type("Typed", (_Replacing,), {"seen": [], "entry_qty": lambda self: qty})
    floats = _run(type("Floats", (_Replacing,), {"seen": []}))
    typed = _run(cls)
    assert [{**t, "strategy_name": None} for t in typed["trades"]] == [
        {**t, "strategy_name": None} for t in floats["trades"]]


@pytest.mark.parametrize("qty, message", [(-1.0, "qty must be positive"), (float("nan"), "NaN"),
                                          (True, None)])
def test_an_unusual_entry_pair_still_meets_its_error(qty, message):
    cls = type("Odd", (_Replacing,), {"seen": [], "entry_qty": lambda self: qty})
    if message is None:  # a bool is a number to numpy: the general path's array, the same orders as 1.0
        floats = _run(type("Floats", (_Replacing,), {"seen": []}))
        assert [t["qty"] for t in _run(cls)["trades"]] == [t["qty"] for t in floats["trades"]]
        return
    with pytest.raises(InvalidStrategy, match=message):
        _run(cls)


def test_a_nan_or_zero_priced_stop_loss_pair_still_meets_its_error():
    class BadStop(_Replacing):
        seen: list = []

        def go_long(self):
            self.buy = 1.0, self.price + 3
            self.stop_loss = 1.0, float("nan") if self.index == 2 else 0

    with pytest.raises(InvalidStrategy, match="price must be greater than zero"):
        _run(BadStop)


class _EachMarketInTurn(Strategy):
    """Market entries on one symbol's odd bars and the other's even bars, closed the next bar."""

    def should_long(self):
        return self.index % 2 == (0 if self.symbol == "BTC-USDT" else 1)

    def go_long(self):
        self.buy = 1.0, self.price
        self.take_profit = 1.0, self.price * 1.5

    def update_position(self):
        self.liquidate()


def test_fills_on_two_markets_in_turn_land_on_their_own_positions_and_trades():
    result = _run(_EachMarketInTurn, symbols=("BTC-USDT", "ETH-USDT"))
    trades = result["trades"]
    assert {t["symbol"] for t in trades} == {"BTC-USDT", "ETH-USDT"}
    for t in trades:
        assert all(o["symbol"] == t["symbol"] for o in t["orders"])
        assert t["qty"] == 1.0


class _MovingStop(Strategy):
    """A long with a stop and a target; the stop moved at bar 3, then set at the price at bar 5."""

    snapshots: list

    def should_long(self):
        return self.index == 1

    def go_long(self):
        self.buy = 1.0, self.price
        self.stop_loss = 1.0, 95.0
        self.take_profit = 1.0, 130.0

    def update_position(self):
        if self.index == 3:
            self.stop_loss = 1.0, 97.0
        elif self.index == 5:
            self.stop_loss = 1.0, self.price

    def after(self):
        type(self).snapshots.append([(o.side, o.type, o.price, o.status, o.is_stop_loss, o.is_take_profit, o.id)
                                     for o in self.orders])


def test_a_moved_stop_replaces_the_stop_group_only_and_a_stop_at_the_price_is_a_market_exit():
    cls = type("Rec", (_MovingStop,), {"snapshots": []})
    result = _run(cls)
    by_bar = cls.snapshots
    # bar 2: entry, stop and target; bar 3: the first stop cancelled, a new one at 97, the target untouched
    stops_2 = [o for o in by_bar[2] if o[4]]
    targets_2 = [o for o in by_bar[2] if o[5]]
    assert [(o[1], o[2], o[3]) for o in stops_2] == [("STOP", 95.0, "ACTIVE")]
    stops_3 = [o for o in by_bar[3] if o[4]]
    assert [(o[1], o[2], o[3]) for o in stops_3] == [("STOP", 95.0, "CANCELED"), ("STOP", 97.0, "ACTIVE")]
    assert [o for o in by_bar[3] if o[5]] == targets_2
    (trade,) = result["trades"]
    closes = CLOSES
    assert [(o["side"], o["type"]) for o in trade["orders"]] == [("buy", "MARKET"), ("sell", "MARKET")]
    assert trade["exit_price"] == closes[5]


def test_create_order_sets_every_field_order_init_sets():
    # Session.create_order builds its Order without calling the class: the two must set the same fields
    from jesse_dag.engine.models import BUY, STOP, Order

    class _Peek(Strategy):
        made: list = []

        def should_long(self):
            return self.index == 3

        def go_long(self):
            self.buy = 1, self.price * 1.5

        def after(self):
            if self.orders and not type(self).made:  # the fields as create_order left them, the bar it ran
                type(self).made.append({f: getattr(self.orders[-1], f) for f in Order.__slots__})

    _run(_Peek)
    made = _Peek.made[0]
    plain = Order(made["_id"], made["session_id"], made["exchange"], made["symbol"], BUY, STOP, made["qty"],
                  made["price"], False, made["created_at"])
    assert made["status"] == "ACTIVE" and made["qty"] > 0
    assert made == {f: getattr(plain, f) for f in Order.__slots__}
