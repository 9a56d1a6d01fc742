"""Gather pattern 2, no trades: features on a bar, a triple-barrier label (+1 upper, -1 lower, 0 time-out)
when the first barrier is touched; then the next point opens."""
import numpy as np

import jesse_dag.indicators as ta
from jesse_dag.strategies import Strategy


class MLTripleBarrier(Strategy):
    vertical_barrier = 24  # bars
    atr_multiplier = 1.5

    def __init__(self):
        super().__init__()
        self._open, self._start, self._upper, self._lower = False, 0, 0.0, 0.0

    def ml_features(self) -> dict:
        atr = ta.atr(self.candles) + 1e-9
        ema = ta.ema(self.candles, 9)
        return {
            "rsi_centered": (ta.rsi(self.candles) - 50) / 50,
            "atr_pct": atr / self.price,
            "ema9_dist": (self.price - ema) / (ema + 1e-9),
            "log_ret_4": float(np.log(self.candles[-1, 2] / self.candles[-5, 2])),
        }

    def before(self):
        if not self._open:
            self.record_features(self.ml_features())
            width = ta.atr(self.candles) * self.atr_multiplier
            self._upper, self._lower = self.price + width, self.price - width
            self._start, self._open = self.index, True
            return
        up, down = self.price >= self._upper, self.price <= self._lower
        if up or down or self.index - self._start >= self.vertical_barrier:
            self.record_label("triple_barrier", 1 if up else (-1 if down else 0))
            self._open = False

    def should_long(self) -> bool:
        return False

    def go_long(self):
        pass
