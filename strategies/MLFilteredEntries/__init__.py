"""Deploy mode: a mean-reversion entry after a sharp one-hour move, taken only when the deployed model
gives P(profitable) >= ``threshold`` (``ml_predict_proba``). ``ml_mode = "gather"`` records the features
at every signal and labels each trade when it closes (one hour later), which is how its model is made;
``ml_mode = "baseline"`` takes every signal (the comparison)."""
import numpy as np

import jesse_dag.indicators as ta
from jesse_dag.strategies import Strategy


class MLFilteredEntries(Strategy):
    ml_mode = "deploy"
    threshold = 0.55
    z_entry = 0.75
    hold_bars = 4

    def __init__(self):
        super().__init__()
        self.decisions = []  # (time, P(profitable), taken) of every signal in deploy mode
        self._entry_index = 0

    def ml_features(self) -> dict:
        closes = self.candles[:, 2]
        vol = float(np.diff(np.log(closes[-41:])).std()) + 1e-12
        ret_1h_z = float(np.log(closes[-1] / closes[-5])) / (vol * 2.0)
        return {
            "ret_1h_z": ret_1h_z,
            "move_size": abs(ret_1h_z),  # reversion odds grow with the move, whichever its side
            "ret_2h_z": float(np.log(closes[-1] / closes[-9])) / (vol * np.sqrt(8.0)),
            "rsi_centered": (ta.rsi(self.candles, 14) - 50) / 50,
            "vol_ratio": float(np.diff(np.log(closes[-9:])).std()) / vol,
            "side": float(self.vars.get("side", 0)),
        }

    def _signal(self) -> int:
        z = self.ml_features()["ret_1h_z"]
        return 1 if z < -self.z_entry else (-1 if z > self.z_entry else 0)

    def _take(self, side: int) -> bool:
        if self._signal() != side:
            return False
        self.vars["side"] = side
        if self.ml_mode == "gather":
            self.record_features(self.ml_features())
            return True
        if self.ml_mode == "baseline":
            return True
        p = self.ml_predict_proba().get(1, 0.0)
        self.decisions.append((self.time, p, p >= self.threshold))
        return p >= self.threshold

    def should_long(self) -> bool:
        return self._take(1)

    def should_short(self) -> bool:
        return self._take(-1)

    def go_long(self):
        self.buy = 0.5 * self.available_margin / self.price, self.price
        self._entry_index = self.index

    def go_short(self):
        self.sell = 0.5 * self.available_margin / self.price, self.price
        self._entry_index = self.index

    def update_position(self):
        if self.index - self._entry_index >= self.hold_bars:
            self.liquidate()

    def on_close_position(self, order, closed_trade):
        if self.ml_mode == "gather":
            self.record_label("profitable", closed_trade.pnl > 0)
