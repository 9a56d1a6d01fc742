from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class StepModeMixedEntries(Strategy):
    """Run with fast_mode=False: LIMIT long entries below the price, STOP short entries below the price,
    ATR brackets, unfilled entries cancelled at the next bar."""

    def should_long(self) -> bool:
        return ta.rsi(self.candles, 14) < 40

    def should_short(self) -> bool:
        return ta.rsi(self.candles, 14) > 60

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles)
        entry = self.price - 0.3 * atr
        qty = utils.size_to_qty(self.balance * 0.5, entry, fee_rate=self.fee_rate)
        self.buy = qty, entry
        self.stop_loss = qty, entry - 1.5 * atr
        self.take_profit = qty, entry + 2 * atr

    def go_short(self):
        atr = ta.atr(self.candles)
        entry = self.price - 0.3 * atr
        qty = utils.size_to_qty(self.balance * 0.5, entry, fee_rate=self.fee_rate)
        self.sell = qty, entry
        self.stop_loss = qty, entry + 1.5 * atr
        self.take_profit = qty, entry - 2 * atr
