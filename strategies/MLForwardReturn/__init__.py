"""Gather pattern 3, no trades: features on a bar, the label is the log return over the next
``horizon`` bars (a regression target; ``> 0`` is the binary class). One point at a time, so samples do
not overlap."""
import numpy as np

import jesse_dag.indicators as ta
from jesse_dag.strategies import Strategy


class MLForwardReturn(Strategy):
    horizon = 4  # bars

    def __init__(self):
        super().__init__()
        self._start_index, self._start_price = None, 0.0

    def ml_features(self) -> dict:
        closes = self.candles[:, 2]
        returns = np.diff(np.log(closes[-21:]))
        vol = float(returns.std()) + 1e-12
        return {
            "ret_1h_z": float(np.log(closes[-1] / closes[-5])) / (vol * 2.0),
            "ret_4h_z": float(np.log(closes[-1] / closes[-17])) / (vol * 4.0),
            "rsi_centered": (ta.rsi(self.candles) - 50) / 50,
            "vol": vol,
        }

    def before(self):
        if self._start_index is None:
            self.record_features(self.ml_features())
            self._start_index, self._start_price = self.index, self.price
        elif self.index - self._start_index >= self.horizon:
            self.record_label("forward_return", float(np.log(self.price / self._start_price)))
            self._start_index = None

    def should_long(self) -> bool:
        return False

    def go_long(self):
        pass
