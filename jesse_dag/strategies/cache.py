"""Jesse's ``cached`` decorator: a strategy method's results kept for the rest of the current bar.

``from jesse_dag.strategies import Strategy, cached`` works as ``from jesse.strategies import ...``::

    class MyStrategy(Strategy):
        @property
        @cached
        def trend(self):
            return ta.ema(self.candles, 50) > ta.ema(self.candles, 200)

Jesse keeps one ``functools.lru_cache`` per method and strategy instance (keyed on the call's
arguments, so they must be hashable) and clears every one at the end of each bar's execution, just
before ``self.index`` moves on. Tying the cache to ``self.index`` gives the same lifetime without a hook
in the engine: values computed in a fill callback between two bars (``on_open_position``...) are still
served during the next bar, and cleared after it, as in Jesse.

Example:
    >>> class S:
    ...     index = 0
    ...     calls = 0
    ...     @cached
    ...     def value(self, k=1):
    ...         S.calls += 1
    ...         return k * 10
    >>> s = S()
    >>> s.value(), s.value(), S.calls
    (10, 10, 1)
    >>> s.index += 1
    >>> s.value(), S.calls
    (10, 2)
"""
from __future__ import annotations

import functools
from typing import Any, Callable

__all__ = ["cached"]

# per-instance attribute holding {method: [bar index, lru-cached method]}
_STORE = "_jesse_dag_cached_methods"


def cached(method: Callable) -> Callable:
    """Cache ``method``'s results per strategy instance and arguments until the bar ends."""

    @functools.wraps(method)
    def decorated(self, *args: Any, **kwargs: Any) -> Any:
        methods = self.__dict__.get(_STORE)
        if methods is None:
            methods = self.__dict__[_STORE] = {}
        entry = methods.get(method)
        index = self.index
        if entry is None:
            entry = methods[method] = [index, functools.lru_cache()(method)]
        elif entry[0] != index:
            entry[1].cache_clear()
            entry[0] = index
        return entry[1](self, *args, **kwargs)

    return decorated
