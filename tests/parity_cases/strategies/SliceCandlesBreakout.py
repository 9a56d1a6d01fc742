from jesse.strategies import Strategy
from jesse.helpers import slice_candles
import jesse.indicators as ta
from jesse import utils


class SliceCandlesBreakout(Strategy):
    """Breakouts of the range of ``slice_candles(self.candles, False)``: the last warm-up-count candles
    (``warm_up_candles`` of the config), the window Jesse's indicators use when not sequential."""

    def _window(self):
        return slice_candles(self.candles, False)[:-1]

    def should_long(self) -> bool:
        w = self._window()
        return len(w) > 0 and self.close > w[:, 3].max()

    def should_short(self) -> bool:
        w = self._window()
        return len(w) > 0 and self.close < w[:, 4].min()

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - 2 * atr
        self.take_profit = qty, self.price + 3 * atr

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + 2 * atr
        self.take_profit = qty, self.price - 3 * atr

    def update_position(self):
        n = len(slice_candles(self.candles, False))
        if self.index % max(n // 4, 1) == 0 and self.position.pnl < 0:
            self.liquidate()
