"""``jesse.models.Order``: the same class as :class:`jesse_dag.models.Order`."""
from jesse_dag.engine.models import Order

__all__ = ["Order"]
