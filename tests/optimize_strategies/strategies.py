"""Test strategies with known behaviour on the synthetic markets of :mod:`tests.optimize_strategies.markets`."""
from __future__ import annotations

import jesse_dag.indicators as ta
from jesse_dag import utils
from jesse_dag.strategies import Strategy

#: bars between two entries of :class:`PeakHold`; its market rises for PEAK_BARS bars of every cycle
CYCLE_BARS = 24
PEAK_BARS = 8


class PeakHold(Strategy):
    """Enters at the start of every cycle and holds ``hold`` bars; on :func:`markets.peak_market` the
    price rises for ``PEAK_BARS`` bars of each cycle and falls after, so ``hold=8, side='long'`` is the
    known optimum of every ratio."""

    def hyperparameters(self):
        return [
            {"name": "hold", "type": int, "min": 2, "max": 23, "default": 5},
            {"name": "side", "type": "categorical", "options": ["short", "long"], "default": "short"},
        ]

    def should_long(self) -> bool:
        return self.hp["side"] == "long" and self.index % CYCLE_BARS == 0

    def should_short(self) -> bool:
        return self.hp["side"] == "short" and self.index % CYCLE_BARS == 0

    def _enter(self) -> float:
        self.vars["entered"] = self.index
        return utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)

    def go_long(self):
        self.buy = self._enter(), self.price

    def go_short(self):
        self.sell = self._enter(), self.price

    def update_position(self):
        if self.index - self.vars["entered"] >= self.hp["hold"]:
            self.liquidate()

    def should_cancel_entry(self) -> bool:
        return True


class EmaCrossHP(Strategy):
    """``EmaCrossSLTP`` of the parity cases with its stop and target ATR multipliers as hyperparameters
    (defaults 2 and 3 give the parity case's trades)."""

    def hyperparameters(self):
        return [
            {"name": "sl_atr", "type": float, "min": 1.0, "max": 4.0, "step": 0.25, "default": 2.0},
            {"name": "tp_atr", "type": float, "min": 1.0, "max": 6.0, "step": 0.25, "default": 3.0},
        ]

    def should_long(self) -> bool:
        return ta.ema(self.candles, 9) > ta.ema(self.candles, 21) and ta.rsi(self.candles) < 70

    def should_short(self) -> bool:
        return ta.ema(self.candles, 9) < ta.ema(self.candles, 21) and ta.rsi(self.candles) > 30

    def should_cancel_entry(self) -> bool:
        return True

    def go_long(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price
        self.stop_loss = qty, self.price - self.hp["sl_atr"] * atr
        self.take_profit = qty, self.price + self.hp["tp_atr"] * atr

    def go_short(self):
        atr = ta.atr(self.candles)
        qty = utils.size_to_qty(self.balance * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price
        self.stop_loss = qty, self.price + self.hp["sl_atr"] * atr
        self.take_profit = qty, self.price - self.hp["tp_atr"] * atr


class Exploding(PeakHold):
    """PeakHold that raises when ``hold`` is 13: a failing variation."""

    def before(self):
        if self.hp["hold"] == 13:
            raise RuntimeError("hold 13 is broken on purpose")


class LastMove(Strategy):
    """Long when the last close rose, short when it fell (the rule of the significance-test example)."""

    def should_long(self) -> bool:
        return self.close > self.candles[-2, 2]

    def should_short(self) -> bool:
        return self.close < self.candles[-2, 2]

    def go_long(self):
        self.buy = 1, self.price

    def go_short(self):
        self.sell = 1, self.price

    def should_cancel_entry(self) -> bool:
        return True
