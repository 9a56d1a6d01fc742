"""``jesse.models.ClosedTrade``: the same class as :class:`jesse_dag.models.ClosedTrade`."""
from jesse_dag.engine.models import ClosedTrade

__all__ = ["ClosedTrade"]
