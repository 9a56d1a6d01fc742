from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class SharedVarsLeader(Strategy):
    """BTC route: publishes its trend in ``shared_vars`` and trades only when ETH's published RSI agrees."""

    def before(self):
        self.shared_vars["btc_trend"] = 1 if ta.ema(self.candles, 20) > ta.ema(self.candles, 50) else -1

    def should_long(self) -> bool:
        return self.shared_vars["btc_trend"] == 1 and self.shared_vars.get("eth_rsi", 50) < 45

    def should_short(self) -> bool:
        return self.shared_vars["btc_trend"] == -1 and self.shared_vars.get("eth_rsi", 50) > 55

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
