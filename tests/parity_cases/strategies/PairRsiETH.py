from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class PairRsiETH(Strategy):
    """ETH 5m route: RSI mean reversion both ways with a bracket; shares the wallet with the BTC route."""

    def should_long(self) -> bool:
        return ta.rsi(self.candles, 14) < 30

    def should_short(self) -> bool:
        return ta.rsi(self.candles, 14) > 70

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.3, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - 3 * atr
        self.take_profit = qty, self.price + 2 * atr

    def go_short(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.3, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + 3 * atr
        self.take_profit = qty, self.price - 2 * atr
