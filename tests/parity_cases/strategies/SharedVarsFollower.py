from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class SharedVarsFollower(Strategy):
    """ETH route: publishes its RSI in ``shared_vars`` and follows the BTC route's published trend."""

    def before(self):
        self.shared_vars["eth_rsi"] = ta.rsi(self.candles, 14)

    def should_long(self) -> bool:
        return self.shared_vars.get("btc_trend") == 1 and self.shared_vars["eth_rsi"] > 55

    def should_short(self) -> bool:
        return self.shared_vars.get("btc_trend") == -1 and self.shared_vars["eth_rsi"] < 45

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.3, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - 2 * atr
        self.take_profit = qty, self.price + 2 * atr

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.3, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + 2 * atr
        self.take_profit = qty, self.price - 2 * atr

    def update_position(self):
        if self.shared_vars.get("btc_trend") == (-1 if self.is_long else 1):
            self.liquidate()
