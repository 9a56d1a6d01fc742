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

import inspect
import logging
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)


def scale_row(scaler: Any, row: np.ndarray) -> np.ndarray:
    """``scaler.transform(row)``; for a plain fitted ``StandardScaler`` the same two numpy operations its
    ``transform`` does (subtract the mean, divide by the scale: the same bits) without scikit-learn's
    per-call input checks, which cost more than the arithmetic on the one row a strategy scales per signal.

    Example:
        >>> from sklearn.preprocessing import StandardScaler
        >>> s = StandardScaler().fit([[0.0, 1.0], [2.0, 3.0]])
        >>> scale_row(s, np.array([[1.0, 5.0]])).tolist() == s.transform([[1.0, 5.0]]).tolist()
        True
    """
    from sklearn.preprocessing import StandardScaler

    if (type(scaler) is StandardScaler and scaler.with_mean and scaler.with_std and row.dtype == np.float64
            and row.shape[1:] == scaler.mean_.shape and getattr(scaler, "feature_names_in_", None) is None):
        return (row - scaler.mean_) / scaler.scale_
    return scaler.transform(row)


class MLMixin:
    """Jesse's ML hooks: ``ml_mode``, ``ml_features``, ``record_features``, ``record_label``, and deploy
    mode's ``ml_predict`` / ``ml_predict_proba``.

    Deploy mode reads the bundle deployed in the strategy's own folder (the folder of its class's module,
    as Jesse does; ``ml_model_dir`` overrides it), once per strategy instance (so once per backtest).
    """

    ml_mode: str = "gather"
    ml_model_dir: str | None = None

    def _ml_reset(self) -> None:
        self._ml_data_points: list[dict[str, Any]] = []
        self._ml_open_point: dict[str, Any] | None = None
        self._ml_route: str | None = None  # "<exchange>-<symbol>-<timeframe>", made at the first point

    def _ml_point_time(self) -> int:
        """The open of the current candle in epoch seconds (a host may read it without copying the candle)."""
        return int(self.current_candle[0] / 1000)

    def ml_features(self) -> dict:
        """Override: the features the model sees, the same dict in gather and deploy mode."""
        raise NotImplementedError(f"{type(self).__name__}.ml_features() is not implemented")

    def record_features(self, features: dict) -> None:
        """Merge ``features`` into the open data point, opening one stamped with the current candle's time."""
        # gather runs call this every few bars: plain attribute reads (the instance has them from _ml_reset;
        # a subclass __init__ that skipped Strategy's gets them here), the point built in one expression
        try:
            point = self._ml_open_point
        except AttributeError:
            self._ml_reset()
            point = None
        if point is None:
            route = self._ml_route
            if route is None:
                route = self._ml_route = f"{self.exchange}-{self.symbol}-{self.timeframe}"
            self._ml_open_point = {"time": self._ml_point_time(), "features": dict(features), "label": None,
                                   "route": route}
        else:
            point["features"].update(features)

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

    # ── deploy mode ──────────────────────────────────────────────────────────────────────────────────────

    def _ml_model_directory(self) -> Path:
        if self.ml_model_dir is not None:
            return Path(self.ml_model_dir)
        try:
            return Path(inspect.getfile(type(self))).resolve().parent
        except TypeError:
            raise TypeError(f"cannot tell which folder {type(self).__name__} lives in (its module "
                            f"{type(self).__module__!r} has no file); set the class attribute ml_model_dir") from None

    def _load_ml_artifacts(self) -> None:
        """Load the deployed bundle once: hashes checked, feature names checked against ``ml_features()``."""
        if getattr(self, "_ml_model", None) is not None:
            return
        from jesse_dag.ml.bundle import load_ml_model

        directory = self._ml_model_directory()
        names = sorted(self.ml_features().keys())
        art = load_ml_model(directory, feature_names=names)
        manifest = art.get("manifest")
        if manifest is None:
            # a folder Jesse trained: the scaler at least knows how many features it saw
            n = getattr(art["scaler"], "n_features_in_", len(names))
            if n != len(names):
                raise ValueError(f"{directory}: the model was trained on {n} features but "
                                 f"{type(self).__name__}.ml_features() gives {len(names)}: {names}")
        self._ml_feature_names = list(manifest["feature_names"]) if manifest else names
        self._ml_scaler = art["scaler"]
        self._ml_feature_importance = art.get("feature_importance")
        self._ml_manifest = manifest
        self._ml_model = art["model"]

    def _ml_row(self, features: dict | None) -> np.ndarray:
        self._load_ml_artifacts()
        feats = self.ml_features() if features is None else features
        names = self._ml_feature_names
        if len(feats) != len(names) or any(k not in feats for k in names):
            from jesse_dag.ml.bundle import check_feature_names

            check_feature_names(names, list(feats), f"{type(self).__name__} (model in {self._ml_model_directory()})")
        return scale_row(self._ml_scaler, np.array([[float(feats[k]) for k in names]]))

    def ml_predict(self, features: dict | None = None) -> float:
        """The deployed model's prediction for ``features`` (default ``ml_features()``); for regression."""
        return float(self._ml_model_predict(self._ml_row(features)))

    def _ml_model_predict(self, X: np.ndarray) -> Any:
        return self._ml_model.predict(X)[0]

    def ml_predict_proba(self, features: dict | None = None) -> dict[int, float]:
        """``{class: probability}`` from the deployed classifier for ``features`` (default ``ml_features()``).

        Example:
            >>> if self.ml_predict_proba().get(1, 0.0) > 0.55:  # doctest: +SKIP
            ...     self.buy = qty, self.price
        """
        X = self._ml_row(features)
        if not hasattr(self._ml_model, "predict_proba"):
            raise TypeError(f"the deployed model {type(self._ml_model).__name__} has no predict_proba; "
                            "use ml_predict() for a regression model")
        probs = self._ml_model.predict_proba(X)[0]
        return {int(c): float(p) for c, p in zip(self._ml_model.classes_, probs)}
