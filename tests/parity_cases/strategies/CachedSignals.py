from jesse.strategies import Strategy, cached
import jesse.indicators as ta
from jesse import utils


class CachedSignals(Strategy):
    """Signals computed by @cached methods: one computation per bar, whatever the number of reads.

    ``trend`` counts its computations in ``self.vars``; the count sizes the entries, so a cache that is
    not cleared between bars (or not used at all) changes the trades.
    """

    def before(self):
        self.vars.setdefault("computed", 0)

    @property
    @cached
    def trend(self):
        self.vars["computed"] += 1
        return ta.ema(self.candles, 9) - ta.ema(self.candles, 30)

    @cached
    def band(self, width):
        return ta.atr(self.candles, 14) * width

    def _qty(self):
        scale = 0.2 + 0.1 * (self.vars["computed"] % 4)
        return utils.size_to_qty(self.available_margin * scale, self.price, fee_rate=self.fee_rate)

    def should_long(self) -> bool:
        return self.trend > 0 and self.trend > self.band(0.1)

    def should_short(self) -> bool:
        return self.trend < 0 and -self.trend > self.band(0.1)

    def go_long(self):
        qty = self._qty()
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - self.band(2.0)
        self.take_profit = qty, self.price + self.band(3.0)

    def go_short(self):
        qty = self._qty()
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + self.band(2.0)
        self.take_profit = qty, self.price - self.band(3.0)

    def update_position(self):
        if (self.is_long and self.trend < 0) or (self.is_short and self.trend > 0):
            self.liquidate()
