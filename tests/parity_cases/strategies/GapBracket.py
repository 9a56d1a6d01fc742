from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class GapBracket(Strategy):
    """Alternating long/short market entries with a tight ATR bracket: on candles with opening gaps some
    stops and targets are jumped over and fill at the open."""

    def should_long(self) -> bool:
        return self.index % 2 == 0

    def should_short(self) -> bool:
        return self.index % 2 == 1

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - 0.7 * atr
        self.take_profit = qty, self.price + 0.9 * atr

    def go_short(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + 0.7 * atr
        self.take_profit = qty, self.price - 0.9 * atr
