"""Jesse's strategy API: ``from jesse_dag.strategies import Strategy, cached``.

Example:
    >>> from jesse_dag.strategies import Strategy, cached
    >>> issubclass(Strategy, object)
    True
"""
from jesse_dag.strategies._strategy import Strategy
from jesse_dag.strategies.cache import cached

__all__ = ["Strategy", "cached"]
