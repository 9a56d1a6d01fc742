"""The per-bar checks a strategy's bar runs are skipped only when they would find nothing to do.

- in a position, the declaration check after ``update_position`` runs when a declaration was read or assigned,
  an order executed or was cancelled, or the position changed since it last completed (or while a declaration
  strategy code holds may change in place): a run gives what a run checking on every bar gives;
- flat with no order, the "anything to reset" test runs only after such a change: same run again.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.engine import run_backtest
from jesse_dag.strategies import Strategy

KEY = "Sandbox-BTC-USDT"
CONFIG = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 2,
          "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 20}


class _Declarer(Strategy):
    """A long every 9 bars with a stop and a target, then on a schedule: the stop moved by assignment, the stop
    changed in place in an array the strategy kept (never read again), the target read, the target moved, a
    liquidation; nothing on most bars. Flat bars sometimes declare an entry without taking it (the next bar
    resets it)."""

    seen: list

    def before(self):
        orders = sorted((o.type, o.side, round(float(o.price), 6), float(o.qty)) for o in self.orders
                        if o.is_active)
        type(self).seen.append((self.index, float(self.position.qty), orders, self.has_long_entry_orders))
        if self.position.qty and type(self).update_position is Strategy.update_position:
            self._declare()  # (the variant without update_position: the same changes, made in before)

    def should_long(self):
        if self.index % 5 == 1:
            self.buy = 0.1, self.price  # declared, not taken
        return self.index % 9 == 0

    def go_long(self):
        self.buy = 0.1, self.price
        self.vars["sl"] = np.array([[0.1, self.price * 0.98]])
        self.stop_loss = self.vars["sl"]  # the strategy keeps this array
        self.take_profit = 0.1, self.price * 1.03

    def update_position(self):
        self._declare()

    def _declare(self):
        step = self.index % 12
        if step == 1:
            self.stop_loss = 0.1, self.price * 0.985
        elif step == 2 and self.vars["sl"] is not None:
            self.vars["sl"][0, 1] = self.price * 0.97  # in place: no read, no assignment
        elif step == 3:
            self.take_profit  # a read hands the declaration out
        elif step == 4:
            self.take_profit = 0.1, self.price * 1.02
        elif step == 6 and self.index % 24 == 6:
            self.liquidate()
        if step == 1:
            self.vars["sl"] = None


class _DeclarerInBefore(_Declarer):
    update_position = Strategy.update_position  # (not overridden: the engine skips it)


class _AlwaysChecked:
    # every comparison with the touch count differs: every bar runs the full checks
    _declaration_touches = property(lambda self, _n=itertools.count(): next(_n), lambda self, value: None)


def _run(cls):
    candles = synthetic_market(days=8, seed=5)
    split = 20 * 15
    return run_backtest(CONFIG, [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT",
                                  "timeframe": "15m"}], [],
                        {KEY: {"candles": candles[split:]}}, {KEY: {"candles": candles[:split]}}).result


@pytest.mark.parametrize("base", [_Declarer, _DeclarerInBefore])
def test_skipped_checks_change_nothing_and_are_skipped(monkeypatch, base):
    calls = []
    original = Strategy._detect_and_handle_entry_and_exit_modifications

    def counted(self):
        calls.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(Strategy, "_detect_and_handle_entry_and_exit_modifications", counted)
    skipping = type("Skipping", (base,), {"seen": []})
    checking = type("Checking", (_AlwaysChecked, base), {"seen": []})
    fast, full = _run(skipping), _run(checking)
    assert len(fast["trades"]) > 30
    assert [{**t, "id": 0, "strategy_name": 0, "orders": [{**o, "id": 0, "trade_id": 0} for o in t["orders"]]}
            for t in fast["trades"]] == [
        {**t, "id": 0, "strategy_name": 0, "orders": [{**o, "id": 0, "trade_id": 0} for o in t["orders"]]}
        for t in full["trades"]]
    assert fast["metrics"] == full["metrics"]
    assert skipping.seen == checking.seen
    # the stop moved by assignment and in place both reached the orders
    prices = {o[2] for _, qty, orders, _ in skipping.seen if qty for o in orders if o[0] == "STOP"}
    assert len(prices) > 2 * len(fast["trades"])
    # an entry declared and not taken is still there at the next bar's start, and reset in that bar
    flags = [(i, has) for i, qty, orders, has in skipping.seen if not qty and not orders]
    assert any(has for i, has in flags if i % 5 == 2)
    assert not any(has for i, has in flags if i % 5 == 3)
    assert calls.count("Skipping") < 0.6 * calls.count("Checking")


class _Holds(Strategy):
    """One long held to the end, with a far stop and target resting; no hook runs while in the position."""

    def should_long(self):
        return self.index == 3

    def go_long(self):
        self.buy = 0.1, self.price
        self.stop_loss = 0.1, self.price * 0.5
        self.take_profit = 0.1, self.price * 2


def test_quiet_bars_in_a_position_run_no_check(monkeypatch):
    calls = []
    original = Strategy._check

    def counted(self):
        calls.append(self.index)
        return original(self)

    monkeypatch.setattr(Strategy, "_check", counted)
    result = _run(_Holds)
    (trade,) = result["trades"]  # closed at the end of the run
    assert [o["type"] for o in trade["orders"]] == ["MARKET", "MARKET"]
    # the flat bars, the entry's bar and the first bar in the position (its check notes that nothing is left)
    assert calls == [0, 1, 2, 3, 4]
