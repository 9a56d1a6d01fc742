"""Strategies of the acceptance scenarios S1–S14 (``../shared/reference/jesse-behaviour.md`` §6.2).

Each rebuilds the behaviour of one of Jesse's own test strategies from its description. Where Jesse's
strategy asserts inside a callback, ours records what it saw in ``observed`` (a list on the class,
emptied by the test before each run) and the test asserts on it afterwards.
"""
from __future__ import annotations

from jesse_dag.strategies import Strategy


class Recording(Strategy):
    """Base: ``observed`` collects (event, values) tuples seen during the run."""

    observed: list = []

    def record(self, event: str, **values) -> None:
        type(self).observed.append((event, values))

    def should_short(self) -> bool:
        return False

    def go_short(self):
        pass

    def should_cancel_entry(self) -> bool:
        return False


class MetricsOneWin(Recording):
    """S1: market buy 10 @ 10 when the close is 10, take-profit 10 @ 15 (a 50 profit)."""

    def should_long(self) -> bool:
        return self.price == 10

    def go_long(self):
        self.buy = 10, 10
        self.take_profit = 10, 15

    def on_close_position(self, order, closed_trade):
        self.record("closed", metrics=dict(self.metrics))


class TakeProfitLadder(Recording):
    """S2: a STOP entry 1.5 @ 7 placed below it, stop 5, three take-profit tiers 11/13/15."""

    def should_long(self) -> bool:
        return self.price < 7

    def go_long(self):
        self.buy = 1.5, 7
        self.stop_loss = 1.5, 5
        self.take_profit = [(0.5, 11), (0.5, 13), (0.5, 15)]


class StopLossLadder(Recording):
    """S3: a LIMIT short 1.5 @ 3 at the first bar, stop tiers 6/5/4 hit on the way up, target 1 never."""

    def should_long(self) -> bool:
        return False

    def should_short(self) -> bool:
        return self.index == 0

    def go_long(self):
        pass

    def go_short(self):
        self.sell = 1.5, 3
        self.stop_loss = [(0.5, 6), (0.5, 5), (0.5, 4)]
        self.take_profit = 1.5, 1


class HoldToTheEnd(Recording):
    """S4: a STOP buy 1 @ 2 at the first bar, no exit: the position is still open when the data ends."""

    def should_long(self) -> bool:
        return self.index == 0

    def go_long(self):
        self.buy = 1, 2


class EntryThenTargetInOneCandle(Recording):
    """S5 (Jesse's Test20): at price 2, a STOP entry 2.5 with stop 2.4 and target 2.6."""

    def should_long(self) -> bool:
        return self.index == 1

    def go_long(self):
        self.buy = 1, self.price + 0.5
        self.stop_loss = 1, self.price + 0.4
        self.take_profit = 1, self.price + 0.6


class TwoEntriesTwoTargetsInOneCandle(Recording):
    """S5 (Jesse's Test04): at price 1, entries 1.1 and 1.11, targets 1.2 and 1.3, stop 1.0."""

    def should_long(self) -> bool:
        return self.index == 0

    def go_long(self):
        self.buy = [(1, 1.1), (1, 1.11)]
        self.stop_loss = 2, 1.0
        self.take_profit = [(1, 1.2), (1, 1.3)]


class SpotFeesBothWays(Recording):
    """S6: spot, fee 0.1%: buy 1 @ 10 (market) and 2 @ 12 (stop), then sell 0.999 @ 15 and 1.998 @ 17."""

    def before(self):
        if self.price in (10, 11, 13, 16, 18) or self.index == 0:
            self.record("before", price=self.price, balance=self.balance, qty=self.position.qty)

    def should_long(self) -> bool:
        return self.price == 10

    def go_long(self):
        self.buy = [(1, 10), (2, 12)]

    def on_open_position(self, order):
        self.record("open", order_qty=order.qty, qty=self.position.qty, balance=self.balance)

    def on_increased_position(self, order):
        self.record("increased", order_qty=order.qty, qty=self.position.qty, balance=self.balance)
        self.take_profit = [(0.999, 15), (1.998, 17)]

    def on_reduced_position(self, order):
        self.record("reduced", order_qty=order.qty, qty=self.position.qty, balance=self.balance)

    def on_close_position(self, order, closed_trade):
        self.record("closed", order_qty=order.qty, qty=self.position.qty, balance=self.balance)


class IsolatedShortAllIn(Recording):
    """S7: isolated 2x, short 2000 @ 10 on an up-trend: liquidated at 14.96, closed at bankruptcy 15."""

    def before(self):
        if self.index == 0 or self.price == 15:
            self.record("before", price=self.price, is_close=self.is_close, balance=self.balance,
                        available_margin=self.available_margin, leverage=self.leverage,
                        leveraged_available_margin=self.leveraged_available_margin)

    def should_long(self) -> bool:
        return False

    def should_short(self) -> bool:
        return self.price == 10

    def go_long(self):
        pass

    def go_short(self):
        self.sell = 2000, self.price

    def on_open_position(self, order):
        self.record("open", liquidation_price=self.position.liquidation_price,
                    bankruptcy_price=self.position.bankruptcy_price, mode=self.position.mode)


class IsolatedLongAllIn(Recording):
    """S7: isolated 2x, long 250 @ 80 on a down-trend: liquidated at 40.32, closed at bankruptcy 40."""

    def before(self):
        if self.index == 0 or self.price == 40:
            self.record("before", price=self.price, is_close=self.is_close, balance=self.balance,
                        available_margin=self.available_margin, leverage=self.leverage,
                        leveraged_available_margin=self.leveraged_available_margin)

    def should_long(self) -> bool:
        return self.price == 80

    def go_long(self):
        self.buy = 250, self.price

    def on_open_position(self, order):
        self.record("open", liquidation_price=self.position.liquidation_price,
                    bankruptcy_price=self.position.bankruptcy_price, mode=self.position.mode)


class OversizedStopTiers(Recording):
    """S8: long 2 @ 100 on a down-trend, stop tiers (1, 90) and (2, 80): the second is capped to 1."""

    def should_long(self) -> bool:
        return self.price == 100

    def go_long(self):
        self.buy = 2, self.price

    def on_open_position(self, order):
        self.stop_loss = [(1, 90), (2, 80)]


class GapExits(Recording):
    """S9: two longs (or shorts) of 2 @ 100 at market; the first gets a stop, the second a target, each
    set in on_open_position and each jumped by an opening gap."""

    side = "long"

    def before(self):
        if self.index == 0:
            self.vars["phase"] = 0

    def should_long(self) -> bool:
        return self.side == "long" and self.price == 100 and self.vars["phase"] in (0, 2)

    def should_short(self) -> bool:
        return self.side == "short" and self.price == 100 and self.vars["phase"] in (0, 2)

    def go_long(self):
        self.buy = 2, self.price
        self.vars["phase"] += 1

    def go_short(self):
        self.sell = 2, self.price
        self.vars["phase"] += 1

    def on_open_position(self, order):
        sign = 1 if self.side == "long" else -1
        if self.vars["phase"] == 1:
            self.stop_loss = 2, 100 - sign * 5
        else:
            self.take_profit = 2, 100 + sign * 5

    def on_close_position(self, order, closed_trade):
        self.record("closed", order_price=order.price, exit_price=closed_trade.exit_price)
        self.vars["phase"] += 1


class GapExitsShort(GapExits):
    side = "short"


class MixedDays(Recording):
    """S10: a long to 110 on day 1, a short stopped at 110 on day 2, a long to 105 on day 3 (1 each)."""

    first, second, third = 10, 1440 + 10, 2 * 1440 + 10

    def before(self):
        if self.index == 0:
            self.vars["closed"] = 0

    def should_long(self) -> bool:
        return self.index in (self.first, self.third)

    def should_short(self) -> bool:
        return self.index == self.second

    def go_long(self):
        self.buy = 1, self.price

    def go_short(self):
        self.sell = 1, self.price

    def on_open_position(self, order):
        if self.vars["closed"] == 0:
            self.take_profit = 1, 110
        elif self.vars["closed"] == 1:
            self.stop_loss = 1, 110
        else:
            self.take_profit = 1, 105

    def on_close_position(self, order, closed_trade):
        self.vars["closed"] += 1


class OneTradeTo(Recording):
    """S10 single-trade variants: long 1 at market at bar 10, exit at ``exit_at`` (target or stop)."""

    exit_at = 110.0

    def should_long(self) -> bool:
        return self.index == 10

    def go_long(self):
        self.buy = 1, self.price

    def on_open_position(self, order):
        if self.exit_at > self.price:
            self.take_profit = 1, self.exit_at
        else:
            self.stop_loss = 1, self.exit_at


class OneTradeTo90(OneTradeTo):
    exit_at = 90.0


class BracketAtMarket(Recording):
    """S13: long 1 at market 100 at the first bar with stop 95 and target 105."""

    def should_long(self) -> bool:
        return self.index == 0

    def go_long(self):
        self.buy = 1, self.price
        self.stop_loss = 1, 95
        self.take_profit = 1, 105


class LeveragedTarget(Recording):
    """S14: at price 10, market long 100 with a target at 15 (2x leverage, fee 0.1%)."""

    def should_long(self) -> bool:
        return self.price == 10

    def go_long(self):
        self.buy = 100, self.price
        self.take_profit = 100, 15
