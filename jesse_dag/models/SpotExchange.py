"""``jesse.models.SpotExchange``: the same class as :class:`jesse_dag.models.SpotExchange`."""
from jesse_dag.engine.models import SpotExchange

__all__ = ["SpotExchange"]
