"""``jesse.models.FuturesExchange``: the same class as :class:`jesse_dag.models.FuturesExchange`."""
from jesse_dag.engine.models import FuturesExchange

__all__ = ["FuturesExchange"]
