from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class PartialExitsReducedCount(Strategy):
    """Three take-profit tiers; the stop follows ``self.reduced_count`` (breakeven after the first tier,
    the first tier's price after the second) and ``on_reduced_position`` logs each tier."""

    def should_long(self) -> bool:
        return ta.rsi(self.candles, 14) < 35

    def should_short(self) -> bool:
        return ta.rsi(self.candles, 14) > 65

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.6, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - 2 * atr
        self.take_profit = [(qty / 3, self.price + atr), (qty / 3, self.price + 2 * atr),
                            (qty / 3, self.price + 3 * atr)]
        self.vars["tp1"] = self.price + atr

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.6, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + 2 * atr
        self.take_profit = [(qty / 3, self.price - atr), (qty / 3, self.price - 2 * atr),
                            (qty / 3, self.price - 3 * atr)]
        self.vars["tp1"] = self.price - atr

    def on_reduced_position(self, order):
        self.vars.setdefault("tiers", []).append(self.reduced_count)

    def update_position(self):
        if self.reduced_count == 1:
            self.stop_loss = self.position.qty, self.position.entry_price
        elif self.reduced_count >= 2:
            self.stop_loss = self.position.qty, self.vars["tp1"]
