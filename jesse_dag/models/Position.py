"""``jesse.models.Position``: the same class as :class:`jesse_dag.models.Position`."""
from jesse_dag.engine.models import Position

__all__ = ["Position"]
