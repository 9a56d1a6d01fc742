from jesse.strategies import Strategy
from jesse.candle_pipelines import BaseCandlesPipeline
import jesse.indicators as ta
from jesse import utils


class ShiftPricesPipeline(BaseCandlesPipeline):
    """Scales each batch's prices by its own factor (1 + step x (batch number mod 7)) and opens every batch at
    the previous batch's last output close (``last_price``), so batch boundaries jump and then stay put."""

    def __init__(self, batch_size: int, step: float = 0.001):
        super().__init__(batch_size)
        self.step = step
        self.batches = 0

    def process(self, original_1m_candles, out) -> bool:
        self.batches += 1
        out[:] = original_1m_candles
        out[:, 1:5] *= 1.0 + self.step * (self.batches % 7)
        out[0, 1] = self.last_price
        out[0, 3] = max(out[0, 3], out[0, 1])
        out[0, 4] = min(out[0, 4], out[0, 1])
        return True


class PipelineEmaCross(Strategy):
    """EmaCrossSLTP's entries, an hourly trend read from a data route; with ``hp['own_pipeline']`` the strategy
    supplies its own candle pipeline (``candles_pipeline()``)."""

    def candles_pipeline(self):
        if self.hp.get("own_pipeline"):
            return ShiftPricesPipeline(batch_size=self.hp["own_pipeline"], step=-0.0015)
        return None

    def trend(self) -> float:
        c1h = self.get_candles(self.exchange, self.symbol, "1h")
        return c1h[-1, 2] - ta.ema(c1h, 12)

    def should_long(self) -> bool:
        return ta.ema(self.candles, 9) > ta.ema(self.candles, 21) and self.trend() > 0

    def should_short(self) -> bool:
        return ta.ema(self.candles, 9) < ta.ema(self.candles, 21) and self.trend() < 0

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - 2 * atr
        self.take_profit = qty, self.price + 3 * atr

    def go_short(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + 2 * atr
        self.take_profit = qty, self.price - 3 * atr
