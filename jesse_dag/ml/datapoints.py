"""Data points as Jesse records them, plus the times our leak-free validation needs.

A data point is ``{"time": int, "features": {name: float}, "label": {"name": str, "value": bool|int|float}}``
(Jesse's shape), optionally with ``"label_time"`` (epoch seconds when the label was decided) and ``"route"``
(``"<exchange>-<symbol>-<timeframe>"``). ``time`` is the open of the candle whose close the features saw,
so the features' information time is ``time + timeframe``.

Example:
    >>> p = {"time": 0, "features": {"a": 1.0}, "label": {"name": "y", "value": True},
    ...      "label_time": 3600, "route": "Sandbox-BTC-USDT-15m"}
    >>> information_time(p), label_is_positive(p["label"]["value"])
    (900, True)
"""
from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Iterable, Sequence

import numpy as np

from jesse_dag.candles.timeframes import timeframe_to_ms

DataPoint = dict[str, Any]


def parse_label_value(raw: str) -> bool | int | float | str:
    """A label read from CSV text: ``true``/``false`` (any case) -> bool, else int, else float, else the text.

    Example:
        >>> [parse_label_value(s) for s in ("True", "-1", "0.25", "up")]
        [True, -1, 0.25, 'up']
    """
    lower = raw.lower()
    if lower == "true":
        return True
    if lower == "false":
        return False
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def label_is_positive(value: Any) -> bool:
    """Jesse's binary rule: ``True``, a number > 0, or the text ``"true"``.

    Example:
        >>> [label_is_positive(v) for v in (True, 0.0, 2, "true", "no")]
        [True, False, True, True, False]
    """
    if isinstance(value, bool):
        return value
    try:
        return float(value) > 0
    except (TypeError, ValueError):
        return str(value).lower() == "true"


def route_timeframe(route: str | None) -> str | None:
    """The timeframe at the end of ``"<exchange>-<symbol>-<timeframe>"`` (``None`` if unknown)."""
    if not route or "-" not in route:
        return None
    return route.rsplit("-", 1)[1]


def information_time(point: DataPoint) -> int:
    """Epoch seconds when the point's features became known: ``time + timeframe`` (``time`` if no route)."""
    tf = route_timeframe(point.get("route"))
    if tf is None:
        return int(point["time"])
    return int(point["time"]) + timeframe_to_ms(tf) // 1000


def label_windows(points: Sequence[DataPoint]) -> tuple[np.ndarray, np.ndarray]:
    """``(information_times, label_times)`` as int64 arrays; refuses points without ``label_time``."""
    missing = [i for i, p in enumerate(points) if p.get("label_time") is None]
    if missing:
        raise ValueError(
            f"data point #{missing[0]} (time {points[missing[0]]['time']}) has no label_time: purged validation "
            f"needs when each label was decided ({len(missing)} of {len(points)} points lack it). Points gathered "
            "by jesse_dag carry it (the CSV's sidecar file); a CSV Jesse wrote has none."
        )
    info = np.array([information_time(p) for p in points], dtype=np.int64)
    lab = np.array([int(p["label_time"]) for p in points], dtype=np.int64)
    bad = np.flatnonzero(lab < info)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"data point #{i}: label_time {lab[i]} is before its information time {info[i]}")
    return info, lab


def validate_points(points: Sequence[DataPoint], where: str = "data") -> None:
    """Refuse points that are not Jesse's shape, naming the first bad one."""
    for i, p in enumerate(points):
        if not isinstance(p, dict) or "time" not in p or "features" not in p or "label" not in p:
            raise ValueError(f"{where}: point #{i} is not {{time, features, label}}: {p!r}"[:300])
        lab = p["label"]
        if not isinstance(lab, dict) or "value" not in lab:
            raise ValueError(f"{where}: point #{i} (time {p['time']}) has no label value: {lab!r}")
        if not isinstance(p["features"], dict) or not p["features"]:
            raise ValueError(f"{where}: point #{i} (time {p['time']}) has no features")


def fingerprint(points: Iterable[DataPoint]) -> str:
    """sha256 of the points' content (time, features, label, label_time, route), order as given.

    Example:
        >>> fingerprint([]) == fingerprint([])
        True
    """
    h = hashlib.sha256()
    for p in points:
        feats = {k: (float(v) if not (isinstance(v, float) and math.isnan(v)) else "nan")
                 for k, v in sorted(p["features"].items())}
        row = [int(p["time"]), feats, p["label"].get("name"), _plain(p["label"]["value"]),
               p.get("label_time"), p.get("route")]
        h.update(json.dumps(row, sort_keys=True, default=str).encode())
        h.update(b"\n")
    return h.hexdigest()


def _plain(v: Any) -> Any:
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if hasattr(v, "item"):
        return v.item()
    return str(v)


def dataset_fingerprint(points: Iterable[DataPoint]) -> str:
    """The id of a data set: :func:`fingerprint` of its points in time order (stable), the order of its CSV.

    Points gathered route by route, the same points read back from their CSV and sidecar, and the points a
    bundle was trained on all give the same id, so a bundle can be traced back to its stored samples.

    Example:
        >>> a = {"time": 60, "features": {"x": 1.0}, "label": {"name": "y", "value": True}}
        >>> b = {"time": 0, "features": {"x": 2.0}, "label": {"name": "y", "value": False}}
        >>> dataset_fingerprint([a, b]) == dataset_fingerprint([b, a]) == fingerprint([b, a])
        True
    """
    return fingerprint(sorted(points, key=lambda p: p["time"]))
