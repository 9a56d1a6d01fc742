from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class DnaHyperparameters(Strategy):
    """Hyperparameters decoded from ``dna()`` (Jesse's legacy one-character-per-gene DNA), not the defaults:
    the defaults (20, 50, 2.0) would trade otherwise."""

    def hyperparameters(self):
        return [
            {"name": "fast", "type": int, "min": 5, "max": 30, "default": 20},
            {"name": "slow", "type": int, "min": 30, "max": 120, "default": 50},
            {"name": "stop_atr", "type": float, "min": 0.5, "max": 4.0, "default": 2.0},
        ]

    def dna(self):
        return ".e>"

    def should_long(self) -> bool:
        return ta.ema(self.candles, self.hp["fast"]) > ta.ema(self.candles, self.hp["slow"])

    def should_short(self) -> bool:
        return ta.ema(self.candles, self.hp["fast"]) < ta.ema(self.candles, self.hp["slow"])

    def go_long(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - self.hp["stop_atr"] * atr

    def go_short(self):
        atr = ta.atr(self.candles, 14)
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + self.hp["stop_atr"] * atr

    def update_position(self):
        if (self.is_long and self.should_short()) or (self.is_short and self.should_long()):
            self.liquidate()
