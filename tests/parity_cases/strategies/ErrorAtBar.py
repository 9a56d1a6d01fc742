from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class ErrorAtBar(Strategy):
    """Trades an EMA cross and raises ValueError in update_position at the bar its 4th trade is open,
    with that bar's timestamp in the message: the run stops with that error, at that bar."""

    def should_long(self) -> bool:
        return ta.ema(self.candles, 9) > ta.ema(self.candles, 21)

    def should_short(self) -> bool:
        return ta.ema(self.candles, 9) < ta.ema(self.candles, 21)

    def go_long(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price

    def go_short(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price

    def update_position(self):
        if self.trades_count >= 3:
            raise ValueError(f"stopping at bar {int(self.current_candle[0])} with {self.trades_count} trades")
        if (self.is_long and self.should_short()) or (self.is_short and self.should_long()):
            self.liquidate()
