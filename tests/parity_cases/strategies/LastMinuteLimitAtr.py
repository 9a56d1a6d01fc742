from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class LastMinuteLimitAtr(Strategy):
    """Two-tier limit entries (pullbacks) whose exits are set from the candle the fill's callbacks see.

    When a tier fills inside a bar's last minute, Jesse hands the callbacks that bar rebuilt from its 1m
    rows with the split minute (close = the fill price): ta.atr(self.candles), self.close and self.low
    below all read that candle.
    """

    def should_long(self) -> bool:
        return self.price > ta.sma(self.candles, 30)

    def should_short(self) -> bool:
        return self.price < ta.sma(self.candles, 30)

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = [(qty / 2, self.price - 0.2 * atr), (qty / 2, self.price - 0.5 * atr)]

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = [(qty / 2, self.price + 0.2 * atr), (qty / 2, self.price + 0.5 * atr)]

    def _exits(self):
        atr = ta.atr(self.candles, 14)
        c = self.candles[-1]
        if self.is_long:
            self.take_profit = self.position.qty, self.close + 1.2 * atr
            self.stop_loss = self.position.qty, min(c[4], self.close) - 1.5 * atr
        else:
            self.take_profit = self.position.qty, self.close - 1.2 * atr
            self.stop_loss = self.position.qty, max(c[3], self.close) + 1.5 * atr

    def on_open_position(self, order):
        self._exits()

    def on_increased_position(self, order):
        self._exits()
