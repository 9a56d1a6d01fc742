"""Jesse's ``jesse.models`` for strategy code: the order, position, closed-trade and exchange classes a
strategy is handed (``self.orders``, ``self.position``, ``self.trades``), for type hints and ``isinstance``.

The database models of Jesse's app (``Candle``, sessions, API keys, logs) are not here: jesse-dag keeps
candles and runs in its own store (:mod:`jesse_dag.store`).

Example:
    >>> from jesse_dag.models import Order, Position
    >>> from jesse_dag.models.Order import Order as SameOrder
    >>> Order is SameOrder
    True
"""
# Each name is imported through its submodule, as Jesse's package does: importing a submodule later would
# otherwise set the package attribute to the module, hiding the class of the same name.
from jesse_dag.models.ClosedTrade import ClosedTrade
from jesse_dag.models.Exchange import Exchange
from jesse_dag.models.FuturesExchange import FuturesExchange
from jesse_dag.models.Order import Order
from jesse_dag.models.Position import Position
from jesse_dag.models.SpotExchange import SpotExchange

__all__ = ["ClosedTrade", "Exchange", "FuturesExchange", "Order", "Position", "SpotExchange"]
