from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class RunEndPendingLimit(Strategy):
    """Limit entries far below/above the price that stay pending (never cancelled), with exits.

    The run ends with an entry order still waiting or with a position whose take-profit and stop are
    still waiting: Jesse cancels the first and closes the second at the last price.
    """

    def should_long(self) -> bool:
        return self.close > ta.sma(self.candles, 20)

    def should_short(self) -> bool:
        return self.close < ta.sma(self.candles, 20)

    def should_cancel_entry(self) -> bool:
        return False

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        entry = self.price - 1.5 * atr
        qty = utils.size_to_qty(self.available_margin * 0.4, entry, fee_rate=self.fee_rate)
        self.buy = qty, entry
        self.take_profit = qty, entry + 3 * atr
        self.stop_loss = qty, entry - 3 * atr

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        entry = self.price + 1.5 * atr
        qty = utils.size_to_qty(self.available_margin * 0.4, entry, fee_rate=self.fee_rate)
        self.sell = qty, entry
        self.take_profit = qty, entry - 3 * atr
        self.stop_loss = qty, entry + 3 * atr
