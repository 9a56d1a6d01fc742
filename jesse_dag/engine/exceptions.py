"""Every error the engine and the Strategy API raise, in one module (Jesse's names).

An error raised inside a strategy hook reaches the caller as :class:`StrategyError`, whose message names
the strategy, the bar's time and the hook, and whose ``__cause__`` is the original exception (with its
traceback). Engine-level refusals that stop a backtest as Jesse does (``InsufficientMargin``,
``InsufficientBalance``, ``InvalidStrategy``, ``ConflictingRules``...) keep their own class: when one is
raised inside a hook, the :class:`StrategyError` wrapper is also an instance of that class, so
``except InsufficientMargin`` still catches it.

Example:
    >>> from jesse_dag.engine.exceptions import InsufficientMargin, JesseDagError
    >>> issubclass(InsufficientMargin, JesseDagError)
    True
"""
from __future__ import annotations


class JesseDagError(Exception):
    """Base class of every jesse-dag engine error."""


class InvalidConfig(JesseDagError, ValueError):
    """The ``config`` dict of a backtest is missing a key or holds a bad value."""


class InvalidRoutes(JesseDagError, ValueError):
    """Routes or data routes break Jesse's rules (duplicates, mixed quote assets, none at all...)."""


class InvalidCandles(JesseDagError, ValueError):
    """Candle input is missing, unsorted, duplicated, NaN or otherwise inconsistent."""


class InvalidStrategy(JesseDagError):
    """A strategy declared something Jesse refuses (qty 0, price <= 0, SL == TP, shorting on spot...)."""


class InvalidShape(InvalidStrategy):
    """An order declaration is not ``(qty, price)`` nor a list of such tuples."""


class ConflictingRules(JesseDagError):
    """``should_long()`` and ``should_short()`` were both True on the same bar."""


class InsufficientMargin(JesseDagError):
    """A futures order needs more margin than is available (aborts the backtest, as in Jesse)."""


class InsufficientBalance(JesseDagError):
    """A spot order needs more quote or base balance than is available (aborts the backtest)."""


class OrderNotAllowed(JesseDagError):
    """An order that cannot be placed in the current state (e.g. reducing a closed position)."""


class EmptyPosition(JesseDagError):
    """Closing or reducing a position that is already closed."""


class OpenPositionError(JesseDagError):
    """Opening a position that is already open, or increasing a closed one."""


class RouteNotFound(JesseDagError, KeyError):
    """Candles were asked for an exchange/symbol/timeframe that no route or data route declares."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class StrategyError(JesseDagError):
    """An exception raised inside a strategy hook, with the strategy name, bar time and hook.

    Attributes: ``strategy``, ``hook``, ``time`` (ms, the engine clock when it failed), ``original``.
    """

    def __init__(self, message: str, *, strategy: str = "", hook: str = "", time: int | None = None,
                 original: BaseException | None = None) -> None:
        super().__init__(message)
        self.strategy = strategy
        self.hook = hook
        self.time = time
        self.original = original

    @classmethod
    def wrap(cls, original: BaseException, *, strategy: str, hook: str, time: int | None,
             time_text: str) -> "StrategyError":
        """A StrategyError that is also an instance of ``original``'s class when that is a jesse-dag error."""
        kind = type(original)
        target: type = cls
        for base in kind.__mro__:
            if base in _WRAPPERS:
                target = _WRAPPERS[base]
                break
        message = (f"strategy {strategy!r} failed in {hook}() at {time_text} (t={time}): "
                   f"{kind.__name__}: {original}")
        return target(message, strategy=strategy, hook=hook, time=time, original=original)


def _wrapper(kind: type) -> type:
    return type(f"StrategyError[{kind.__name__}]", (StrategyError, kind),
                {"__init__": StrategyError.__init__, "__str__": Exception.__str__, "__module__": __name__})


# Built once at import and never changed: lets ``except InsufficientMargin`` catch a wrapped one.
_WRAPPERS: dict[type, type] = {
    kind: _wrapper(kind)
    for kind in (InvalidShape, InvalidStrategy, ConflictingRules, InsufficientMargin, InsufficientBalance,
                 OrderNotAllowed, EmptyPosition, OpenPositionError, InvalidConfig, InvalidRoutes, InvalidCandles)
}
