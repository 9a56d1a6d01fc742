"""Every error the engine and the Strategy API raise, in one module (Jesse's names).

An exception raised inside strategy code (a hook, ``__init__``, ``hyperparameters()``, ``dna()``...) reaches
the caller as itself, as in Jesse: same class, same message, same traceback, so ``except ValueError`` and
``pytest.raises(NotImplementedError)`` work. The engine adds where it happened: a PEP 678 note (printed under
the message: strategy, hook, bar time) and a :class:`HookContext` in ``exc.strategy_context``
(:func:`hook_context`). Engine refusals raised while a hook runs (``InsufficientMargin``,
``InvalidStrategy``, ``ConflictingRules``...) get the same note and keep their class.

Example:
    >>> from jesse_dag.engine.exceptions import InsufficientMargin, JesseDagError
    >>> issubclass(InsufficientMargin, JesseDagError)
    True
"""
from __future__ import annotations

from dataclasses import dataclass


class JesseDagError(Exception):
    """Base class of every jesse-dag engine error."""


class InvalidConfig(JesseDagError, ValueError):
    """The ``config`` dict of a backtest is missing a key or holds a bad value."""


class InvalidHyperparameters(InvalidConfig):
    """``hyperparameters=`` (or the CLI's ``--hp``) names a hyperparameter the strategy does not declare."""


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


@dataclass(frozen=True)
class HookContext:
    """Where an exception left strategy code: the strategy's name, the hook, the engine clock (ms) and that
    time as text. Found on the exception as ``strategy_context`` (see :func:`hook_context`)."""

    strategy: str
    hook: str
    time: int | None
    time_text: str

    def note(self) -> str:
        """The PEP 678 note added to the exception (shown under its message in tracebacks)."""
        at = "before the first bar" if self.time is None else f"at {self.time_text} (t={self.time})"
        return f"raised in strategy {self.strategy!r}, {self.hook}(), {at}"


def hook_context(exc: BaseException) -> HookContext | None:
    """The :class:`HookContext` an exception got when it left strategy code, or None.

    Example:
        >>> err = ValueError("bad")
        >>> annotate_hook_error(err, strategy="S", hook="go_long", time=None, time_text="?") is err
        True
        >>> hook_context(err).hook, str(err), err.__notes__
        ('go_long', 'bad', ["raised in strategy 'S', go_long(), before the first bar"])
    """
    context = getattr(exc, "strategy_context", None)
    return context if isinstance(context, HookContext) else None


def annotate_hook_error(exc: BaseException, *, strategy: str, hook: str, time: int | None,
                        time_text: str) -> BaseException:
    """Add the strategy, hook and time to ``exc`` (a note and ``exc.strategy_context``); return ``exc``.

    The exception object itself goes on: its class, message, args, attributes and traceback stay the user's
    (``except ValueError`` and ``pytest.raises(NotImplementedError)`` work as in Jesse). An exception that
    already has a context (raised in a hook called from another hook) keeps the innermost one.
    """
    if hook_context(exc) is not None:
        return exc
    context = HookContext(strategy, hook, time, time_text)
    try:
        exc.strategy_context = context  # type: ignore[attr-defined]
        exc.add_note(context.note())
    except (AttributeError, TypeError):  # an exception type that refuses new attributes: keep it as it is
        pass
    return exc


class _HookErrorMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        if cls is StrategyError and isinstance(obj, BaseException) and hook_context(obj) is not None:
            return True
        return super().__instancecheck__(obj)


class StrategyError(JesseDagError, metaclass=_HookErrorMeta):
    """Kept for code written against earlier jesse-dag: ``isinstance(e, StrategyError)`` is True for any
    exception that left strategy code (it carries a :class:`HookContext`).

    The engine no longer raises this class: an exception from a hook keeps its own class (as in Jesse), so
    ``except StrategyError:`` does not catch it (Python's ``except`` compares real classes, never
    ``isinstance`` hooks). Catch the original class, or ``Exception`` and read :func:`hook_context`.
    """

    @staticmethod
    def of(exc: BaseException) -> HookContext | None:
        """Same as :func:`hook_context` (for code that has only this class imported)."""
        return hook_context(exc)
