from jesse.strategies import Strategy


class RunEndEveryBar(Strategy):
    """A market entry on every bar (long on even bars, short on odd ones), closed at the next bar.

    Run on candles that end inside a route bar: Jesse's step simulator runs no strategy on the short
    last bar (the open position is closed at the end), its fast mode runs it (one more entry, closed at
    once at the end).
    """

    def should_long(self) -> bool:
        return self.index % 2 == 0

    def should_short(self) -> bool:
        return self.index % 2 == 1

    def go_long(self):
        self.buy = 1, self.price

    def go_short(self):
        self.sell = 1, self.price

    def update_position(self):
        self.liquidate()
