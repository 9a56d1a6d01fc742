from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class VwapDailyAnchor(Strategy):
    """Crosses of the daily-anchored VWAP (``ta.vwap(self.candles, anchor="D")``, reset at each UTC
    midnight): long when the close crosses above it, short when below; exit on the opposite cross."""

    def _vwap(self):
        return ta.vwap(self.candles, source_type="hlc3", anchor="D", sequential=True)

    def should_long(self) -> bool:
        v = self._vwap()
        return self.candles[-2, 2] <= v[-2] and self.close > v[-1]

    def should_short(self) -> bool:
        v = self._vwap()
        return self.candles[-2, 2] >= v[-2] and self.close < v[-1]

    def go_long(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price

    def go_short(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price

    def update_position(self):
        v = self._vwap()[-1]
        if (self.is_long and self.close < v) or (self.is_short and self.close > v):
            self.liquidate()
