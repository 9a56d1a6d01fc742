from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class OrdersBySide(Strategy):
    """Decisions read from ``self.orders`` and each order's ``side``: a ladder of limit entries, and once
    in a position the exits are sized by how many entry orders of the position's side were filled."""

    def should_long(self) -> bool:
        return ta.rsi(self.candles, 14) < 40

    def should_short(self) -> bool:
        return ta.rsi(self.candles, 14) > 60

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.6, self.price, fee_rate=self.fee_rate) / 3
        self.buy = [(qty, self.price - 0.1 * atr), (qty, self.price - 0.4 * atr), (qty, self.price - 0.8 * atr)]

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.6, self.price, fee_rate=self.fee_rate) / 3
        self.sell = [(qty, self.price + 0.1 * atr), (qty, self.price + 0.4 * atr), (qty, self.price + 0.8 * atr)]

    def update_position(self):
        side = "buy" if self.is_long else "sell"
        filled = [o for o in self.orders if o.side == side and o.is_executed]
        atr = ta.atr(self.candles, 14)
        reach = (1 + len(filled)) * 0.5 * atr
        if self.is_long:
            self.take_profit = self.position.qty, self.position.entry_price + reach
            self.stop_loss = self.position.qty, self.position.entry_price - 2 * atr
        else:
            self.take_profit = self.position.qty, self.position.entry_price - reach
            self.stop_loss = self.position.qty, self.position.entry_price + 2 * atr
        if len(filled) >= 3 and self.position.pnl > 0:
            self.liquidate()
