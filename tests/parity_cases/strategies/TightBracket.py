from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class TightBracket(Strategy):
    """Limit entries with a stop and a target so close that both can be inside the rest of the entry's
    minute: the order in which they are tried after the entry fill decides the exit."""

    def should_long(self) -> bool:
        return self.index % 2 == 0

    def should_short(self) -> bool:
        return self.index % 2 == 1

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        entry = self.price - 0.1 * atr
        qty = utils.size_to_qty(self.available_margin * 0.5, entry, fee_rate=self.fee_rate)
        self.buy = qty, entry
        self.stop_loss = qty, entry - 0.05 * atr
        self.take_profit = qty, entry + 0.05 * atr

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        entry = self.price + 0.1 * atr
        qty = utils.size_to_qty(self.available_margin * 0.5, entry, fee_rate=self.fee_rate)
        self.sell = qty, entry
        self.stop_loss = qty, entry + 0.05 * atr
        self.take_profit = qty, entry - 0.05 * atr
