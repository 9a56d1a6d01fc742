from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class OtherSymbolDataRoute(Strategy):
    """BTC route filtered by a data route of another symbol (ETH 1h, no ETH route): trades BTC's EMA
    cross only in the direction of ETH's hourly trend, and exits when ETH's hourly RSI turns."""

    def _eth_1h(self):
        return self.get_candles(self.exchange, "ETH-USDT", "1h")

    def should_long(self) -> bool:
        eth = self._eth_1h()
        return ta.ema(self.candles, 8) > ta.ema(self.candles, 21) and eth[-1, 2] > ta.sma(eth, 12)

    def should_short(self) -> bool:
        eth = self._eth_1h()
        return ta.ema(self.candles, 8) < ta.ema(self.candles, 21) and eth[-1, 2] < ta.sma(eth, 12)

    def go_long(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price

    def go_short(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price

    def update_position(self):
        rsi = ta.rsi(self._eth_1h(), 14)
        if (self.is_long and rsi > 70) or (self.is_short and rsi < 30):
            self.liquidate()
        elif (self.is_long and ta.ema(self.candles, 8) < ta.ema(self.candles, 21)) or \
                (self.is_short and ta.ema(self.candles, 8) > ta.ema(self.candles, 21)):
            self.liquidate()
