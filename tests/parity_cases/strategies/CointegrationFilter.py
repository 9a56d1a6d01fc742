import numpy as np
from jesse.strategies import Strategy
import jesse.indicators as ta
from jesse import utils


class CointegrationFilter(Strategy):
    """Mean reversion of BTC against ETH (15m data route of ETH), traded only while
    ``utils.are_cointegrated`` accepts the last 200 closes of the two (rechecked every 16 bars)."""

    def before(self):
        if self.index % 16 == 0 or "coint" not in self.vars:
            btc = self.candles[-200:, 2]
            eth = self.get_candles(self.exchange, "ETH-USDT", "15m")[-200:, 2]
            self.vars["coint"] = bool(utils.are_cointegrated(btc, eth, cutoff=0.2))

    def _z(self):
        btc = self.candles[-100:, 2]
        eth = self.get_candles(self.exchange, "ETH-USDT", "15m")[-100:, 2]
        spread = np.log(btc) - np.log(eth)
        return (spread[-1] - spread.mean()) / spread.std()

    def should_long(self) -> bool:
        return self.vars["coint"] and self._z() < -1.5

    def should_short(self) -> bool:
        return self.vars["coint"] and self._z() > 1.5

    def go_long(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.buy = qty, self.price

    def go_short(self):
        qty = utils.size_to_qty(self.available_margin * 0.5, self.price, fee_rate=self.fee_rate)
        self.sell = qty, self.price

    def update_position(self):
        z = self._z()
        if (self.is_long and z > 0) or (self.is_short and z < 0) or not self.vars["coint"]:
            self.liquidate()
