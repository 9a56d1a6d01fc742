from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class PairTrendBTC(Strategy):
    """BTC 15m route: trend entries filtered by ETH's 1h trend, read from a data route of another symbol."""

    def eth_trend(self) -> int:
        eth = self.get_candles(self.exchange, "ETH-USDT", "1h")
        return 1 if eth[-1, 2] > ta.ema(eth, 10) else -1

    def should_long(self) -> bool:
        return self.close > ta.ema(self.candles, 20) and self.eth_trend() == 1

    def should_short(self) -> bool:
        return self.close < ta.ema(self.candles, 20) and self.eth_trend() == -1

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.3, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - 2 * atr
        self.take_profit = qty, self.price + 2.5 * atr

    def go_short(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.3, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + 2 * atr
        self.take_profit = qty, self.price - 2.5 * atr
