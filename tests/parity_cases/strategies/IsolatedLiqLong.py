from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class IsolatedLiqLong(Strategy):
    """Isolated margin at 50x, long only, a tight target and no stop: some trades end in liquidation."""

    def should_long(self) -> bool:
        return self.close > ta.ema(self.candles, 50)

    def should_short(self) -> bool:
        return False

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        # a tenth of the wallet as margin
        qty = utils.size_to_qty(self.balance * 0.1 * self.leverage, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.take_profit = qty, self.price * 1.012
        self.vars["entry_index"] = self.index

    def go_short(self):
        pass

    def update_position(self):
        if self.index - self.vars["entry_index"] >= 96:
            self.liquidate()
