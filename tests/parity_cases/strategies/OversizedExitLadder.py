from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class OversizedExitLadder(Strategy):
    """Stop-loss and take-profit ladders whose tiers add up to 1.5x the position: when the second tier of
    a ladder fires after the first, the reduce-only fill is capped to what is left."""

    def should_long(self) -> bool:
        return self.close > ta.sma(self.candles, 30)

    def should_short(self) -> bool:
        return self.close < ta.sma(self.candles, 30)

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        qty = utils.size_to_qty(self.balance * 0.4, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price

    def go_short(self):
        qty = utils.size_to_qty(self.balance * 0.4, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price

    def on_open_position(self, order):
        q, e = abs(self.position.qty), self.position.entry_price
        if self.is_long:
            self.stop_loss = [(q / 2, e * 0.995), (q, e * 0.99)]
            self.take_profit = [(q / 2, e * 1.005), (q, e * 1.01)]
        else:
            self.stop_loss = [(q / 2, e * 1.005), (q, e * 1.01)]
            self.take_profit = [(q / 2, e * 0.995), (q, e * 0.99)]
