"""Recording features and labels inside a strategy (gather mode), as Jesse's Strategy does.

``Strategy`` inherits :class:`MLMixin`. The host strategy provides ``current_candle``, ``time`` (ms,
close of the current minute), ``exchange``, ``symbol`` and ``timeframe``.

A data point is ``{"time", "features", "label", "label_time", "route"}``:
- ``time``: Jesse's, the open of the route candle whose close the features saw, in epoch seconds; so the
  features' information time is ``time + timeframe``.
- ``label_time``: when the label was decided (``self.time`` at ``record_label``), epoch seconds.
- ``route``: ``"<exchange>-<symbol>-<timeframe>"``.
"""
from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


class MLMixin:
    """Jesse's ML hooks: ``ml_mode``, ``ml_features``, ``record_features``, ``record_label``."""

    ml_mode: str = "gather"

    def _ml_reset(self) -> None:
        self._ml_data_points: list[dict[str, Any]] = []
        self._ml_open_point: dict[str, Any] | None = None

    def ml_features(self) -> dict:
        """Override: the features the model sees, the same dict in gather and deploy mode."""
        raise NotImplementedError(f"{type(self).__name__}.ml_features() is not implemented")

    def record_features(self, features: dict) -> None:
        """Merge ``features`` into the open data point, opening one stamped with the current candle's time."""
        if getattr(self, "_ml_open_point", None) is None:
            if not hasattr(self, "_ml_data_points"):
                self._ml_reset()
            self._ml_open_point = {
                "time": int(self.current_candle[0] / 1000),
                "features": {},
                "label": None,
                "route": f"{self.exchange}-{self.symbol}-{self.timeframe}",
            }
        self._ml_open_point["features"].update(features)

    def record_label(self, name: str, value: bool | int | float) -> None:
        """Label the open data point and close it; ignored (debug message) when no point is open."""
        point = getattr(self, "_ml_open_point", None)
        if point is None:
            logger.debug("record_label(%r) ignored: no open data point (call record_features first)", name)
            return
        point["label"] = {"name": name, "value": value}
        point["label_time"] = int(self.time / 1000)
        self._ml_data_points.append(point)
        self._ml_open_point = None
