"""Meta-labelling: a primary rule picks the side (trend: fast EMA above slow EMA -> long on a pullback),
the model learns whether to act on it. Gather mode trades every primary signal and labels each trade by
its outcome (take-profit hit before stop-loss); deploy mode takes a signal only when the deployed
model's P(success) reaches ``threshold``."""
from jesse_dag import utils
import jesse_dag.indicators as ta
from jesse_dag.strategies import Strategy


class MLMetaLabel(Strategy):
    ml_mode = "gather"
    threshold = 0.55

    def _side(self) -> int:
        fast, slow, rsi = ta.ema(self.candles, 20), ta.ema(self.candles, 100), ta.rsi(self.candles)
        if fast > slow and rsi < 40:
            return 1
        if fast < slow and rsi > 60:
            return -1
        return 0

    def ml_features(self) -> dict:
        atr = ta.atr(self.candles) + 1e-9
        return {
            "side": float(self._side()),
            "trend_strength": (ta.ema(self.candles, 20) - ta.ema(self.candles, 100)) / atr,
            "rsi_centered": (ta.rsi(self.candles) - 50) / 50,
            "atr_pct": atr / self.price,
        }

    def _take(self, side: int) -> bool:
        if self._side() != side:
            return False
        if self.ml_mode == "gather":
            self.record_features(self.ml_features())
            return True
        return self.ml_predict_proba().get(1, 0.0) >= self.threshold

    def should_long(self) -> bool:
        return self._take(1)

    def should_short(self) -> bool:
        return self._take(-1)

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        entry, atr = self.price, ta.atr(self.candles)
        qty = utils.risk_to_qty(self.available_margin, 1, entry, entry - 1.5 * atr, fee_rate=self.fee_rate)
        self.buy = qty, entry
        self.stop_loss = qty, entry - 1.5 * atr
        self.take_profit = qty, entry + 1.5 * atr

    def go_short(self):
        entry, atr = self.price, ta.atr(self.candles)
        qty = utils.risk_to_qty(self.available_margin, 1, entry, entry + 1.5 * atr, fee_rate=self.fee_rate)
        self.sell = qty, entry
        self.stop_loss = qty, entry + 1.5 * atr
        self.take_profit = qty, entry - 1.5 * atr

    def on_close_position(self, order, closed_trade):
        if self.ml_mode == "gather":
            self.record_label("primary_was_right", closed_trade.pnl > 0)
