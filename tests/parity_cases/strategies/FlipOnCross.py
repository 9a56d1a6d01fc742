from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class FlipOnCross(Strategy):
    """Enters long on an EMA cross; from then on flips the position with one market order of twice its
    size (a non-reduce-only order larger than the position closes it and opens the other side)."""

    def should_long(self) -> bool:
        return ta.ema(self.candles, 9) > ta.ema(self.candles, 21)

    def should_short(self) -> bool:
        return False

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        qty = utils.size_to_qty(self.balance * 0.3, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price

    def go_short(self):
        pass

    def update_position(self):
        fast, slow = ta.ema(self.candles, 9), ta.ema(self.candles, 21)
        if self.is_long and fast < slow:
            self.broker.sell_at_market(2 * abs(self.position.qty))
        elif self.is_short and fast > slow:
            self.broker.buy_at_market(2 * abs(self.position.qty))
