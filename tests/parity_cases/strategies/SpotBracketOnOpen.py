from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class SpotBracketOnOpen(Strategy):
    """Spot, long only: market entry on oversold RSI; stop-loss and take-profit set in on_open_position."""

    def should_long(self) -> bool:
        return ta.rsi(self.candles, 14) < 32

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        qty = utils.size_to_qty(self.balance * 0.9, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price

    def on_open_position(self, order):
        # on spot the position holds qty * (1 - fee): exits must use what is really held
        atr = ta.atr(self.candles)
        self.stop_loss = self.position.qty, self.price - 2 * atr
        self.take_profit = self.position.qty, self.price + 2 * atr
