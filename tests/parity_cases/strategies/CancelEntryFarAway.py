from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class CancelEntryFarAway(Strategy):
    """Limit entries that wait across bars; ``should_cancel_entry`` cancels one only when the price has
    moved more than one ATR away from it (read from ``self.entry_orders``) or it waited 6 bars."""

    def should_long(self) -> bool:
        return ta.ema(self.candles, 10) > ta.ema(self.candles, 40)

    def should_short(self) -> bool:
        return ta.ema(self.candles, 10) < ta.ema(self.candles, 40)

    def should_cancel_entry(self) -> bool:
        atr = ta.atr(self.candles, 14)
        waited = self.index - self.vars.get("submitted_at", self.index)
        far = any(abs(o.price - self.price) > atr for o in self.entry_orders if o.is_active)
        return far or waited >= 6

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        entry = self.price - 0.6 * atr
        qty = utils.size_to_qty(self.available_margin * 0.5, entry, fee_rate=self.fee_rate)
        self.buy = qty, entry
        self.stop_loss = qty, entry - 2 * atr
        self.take_profit = qty, entry + 2 * atr
        self.vars["submitted_at"] = self.index

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        entry = self.price + 0.6 * atr
        qty = utils.size_to_qty(self.available_margin * 0.5, entry, fee_rate=self.fee_rate)
        self.sell = qty, entry
        self.stop_loss = qty, entry + 2 * atr
        self.take_profit = qty, entry - 2 * atr
        self.vars["submitted_at"] = self.index
