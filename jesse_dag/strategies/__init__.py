"""Jesse's strategy API: ``from jesse_dag.strategies import Strategy``.

Example:
    >>> from jesse_dag.strategies import Strategy
    >>> issubclass(Strategy, object)
    True
"""
from jesse_dag.strategies._strategy import Strategy

__all__ = ["Strategy"]
