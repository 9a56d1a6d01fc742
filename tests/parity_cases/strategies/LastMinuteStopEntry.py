from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class LastMinuteStopEntry(Strategy):
    """Stop (breakout) entries; every fill callback reads the candle it is handed.

    on_open_position sets the exits from ta.atr(self.candles) and self.high/self.low; on_reduced_position
    (a first take-profit tier) moves the stop halfway from the entry to the candle's low/high;
    on_close_position keeps the candle's close, which the next entry's trigger distance uses.
    """

    def before(self):
        if "last_exit_close" not in self.vars:
            self.vars["last_exit_close"] = None

    def _offset(self):
        atr = ta.atr(self.candles, 10)
        last = self.vars["last_exit_close"]
        if last is None:
            return 0.3 * atr
        return 0.3 * atr + min(abs(self.price - last), atr) * 0.1

    def should_long(self) -> bool:
        return ta.ema(self.candles, 12) > ta.ema(self.candles, 36)

    def should_short(self) -> bool:
        return ta.ema(self.candles, 12) < ta.ema(self.candles, 36)

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.high + self._offset()

    def go_short(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.low - self._offset()

    def on_open_position(self, order):
        atr = ta.atr(self.candles, 10)
        q = self.position.qty
        if self.is_long:
            self.stop_loss = q, self.low - atr
            self.take_profit = [(q / 2, self.close + atr), (q / 2, self.close + 2 * atr)]
        else:
            self.stop_loss = q, self.high + atr
            self.take_profit = [(q / 2, self.close - atr), (q / 2, self.close - 2 * atr)]

    def on_reduced_position(self, order):
        if self.is_long:
            self.stop_loss = self.position.qty, (self.position.entry_price + self.low) / 2
        else:
            self.stop_loss = self.position.qty, (self.position.entry_price + self.high) / 2

    def on_close_position(self, order, closed_trade):
        self.vars["last_exit_close"] = self.close
