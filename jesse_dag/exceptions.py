"""Jesse's ``jesse.exceptions`` by the same names, so ``from jesse_dag.exceptions import InvalidStrategy`` and
``except exceptions.InsufficientMargin`` in ported code work unchanged.

The engine's errors are those of :mod:`jesse_dag.engine.exceptions`. Jesse's names for errors that only its
live trading, database or exchange drivers raise are defined too, so code that catches them still imports;
a backtest never raises them.

Example:
    >>> from jesse_dag import exceptions
    >>> from jesse_dag.engine.exceptions import InsufficientMargin
    >>> exceptions.InsufficientMargin is InsufficientMargin
    True
"""
from __future__ import annotations

from jesse_dag.engine.exceptions import (  # noqa: F401 (re-exported under Jesse's module name)
    ConflictingRules, EmptyPosition, InsufficientBalance, InsufficientMargin, InvalidCandles, InvalidConfig,
    InvalidHyperparameters, InvalidRoutes, InvalidShape, InvalidStrategy, JesseDagError, OpenPositionError,
    OrderNotAllowed, RouteNotFound, StrategyError,
)


class InvalidTimeframe(JesseDagError, ValueError):
    """A timeframe Jesse does not know."""


class InvalidSymbol(JesseDagError, ValueError):
    """A symbol not written as ``BASE-QUOTE``."""


class InvalidDateRange(JesseDagError, ValueError):
    """A start date that is not before the finish date."""


class HistoryIntegrityError(JesseDagError, ValueError):
    """Stored candles with holes where a complete history was required."""


class CandlesNotFound(JesseDagError, LookupError):
    """No stored candles for the market and period asked for."""


class NegativeBalance(JesseDagError):
    """A balance went below zero."""


class Termination(JesseDagError):
    """The run was stopped."""


class NotSupportedError(JesseDagError):
    """A feature the chosen exchange or mode does not offer."""


# raised only by Jesse's live trading, database and exchange drivers; here for code that catches them
class CandleNotFoundInDatabase(CandlesNotFound):
    """(live/database only)"""


class CandleNotFoundInExchange(CandlesNotFound):
    """(live only)"""


class SymbolNotFound(JesseDagError, LookupError):
    """(live only)"""


class ExchangeError(JesseDagError):
    """(live only)"""


class ExchangeInMaintenance(ExchangeError):
    """(live only)"""


class ExchangeNotResponding(ExchangeError):
    """(live only)"""


class ExchangeRejectedOrder(ExchangeError):
    """(live only)"""


class ExchangeRejectedLeverageNumber(ExchangeError):
    """(live only)"""


class ExchangeOrderNotFound(ExchangeError):
    """(live only)"""


class InvalidExchangeApiKeys(ExchangeError):
    """(live only)"""
