"""``jesse.models.Exchange``: the same class as :class:`jesse_dag.models.Exchange`."""
from jesse_dag.engine.models import Exchange

__all__ = ["Exchange"]
