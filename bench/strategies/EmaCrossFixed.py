from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class EmaCrossFixed(Strategy):
    """EMA 9/21: long while the fast EMA is above the slow one, short while below, half the balance a trade,
    fixed stop 2 % and target 3 % from the entry price. ``bench/peer_backtesting.py`` is the same strategy
    for backtesting.py (bar-level fills on the route's candles); here every minute is simulated."""

    def should_long(self) -> bool:
        return ta.ema(self.candles, 9) > ta.ema(self.candles, 21)

    def should_short(self) -> bool:
        return ta.ema(self.candles, 9) < ta.ema(self.candles, 21)

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        qty = utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price * 0.98
        self.take_profit = qty, self.price * 1.03

    def go_short(self):
        qty = utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price * 1.02
        self.take_profit = qty, self.price * 0.97
