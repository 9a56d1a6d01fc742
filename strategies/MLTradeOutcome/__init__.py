"""Gather pattern 1: features when the entry signal fires, a boolean label when the trade closes."""
from jesse_dag import utils
import jesse_dag.indicators as ta
from jesse_dag.strategies import Strategy


class MLTradeOutcome(Strategy):
    def ml_features(self) -> dict:
        atr = ta.atr(self.candles) + 1e-9
        return {
            "side": float(self.vars.get("side", 0)),
            "rsi_centered": (ta.rsi(self.candles) - 50) / 50,
            "atr_pct": atr / self.price,
            "ema200_dist": (self.price - ta.ema(self.candles, 200)) / self.price,
        }

    def should_long(self) -> bool:
        signal = ta.rsi(self.candles) < 35 and self.price > ta.ema(self.candles, 200)
        if signal:
            self.vars["side"] = 1
            self.record_features(self.ml_features())  # opens the data point at the signal bar
        return signal

    def should_short(self) -> bool:
        signal = ta.rsi(self.candles) > 65 and self.price < ta.ema(self.candles, 200)
        if signal:
            self.vars["side"] = -1
            self.record_features(self.ml_features())
        return signal

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        entry, atr = self.price, ta.atr(self.candles)
        qty = utils.risk_to_qty(self.available_margin, 2, entry, entry - 2 * atr, fee_rate=self.fee_rate)
        self.buy = qty, entry
        self.stop_loss = qty, entry - 2 * atr
        self.take_profit = qty, entry + 3 * atr

    def go_short(self):
        entry, atr = self.price, ta.atr(self.candles)
        qty = utils.risk_to_qty(self.available_margin, 2, entry, entry + 2 * atr, fee_rate=self.fee_rate)
        self.sell = qty, entry
        self.stop_loss = qty, entry + 2 * atr
        self.take_profit = qty, entry - 3 * atr

    def on_close_position(self, order, closed_trade):
        self.record_label("profitable", closed_trade.pnl > 0)  # closes the point; label_time = now
