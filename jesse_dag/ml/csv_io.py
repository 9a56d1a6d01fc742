"""Jesse's ML data CSV, byte for byte, and our sidecar that keeps ``label_time`` and the route.

The CSV is ``time,label_name,label_value,<features sorted>``, rows sorted by ``time`` (stable), label as
``str(value)``, a missing feature as an empty cell. Jesse's loader treats every extra column as a feature,
so ``label_time`` (which is in the future of ``time``) must never be a column: it goes to a sidecar
``<stem>.label_times.csv`` beside the CSV (``time,label_time,route``, one row per CSV row, same order),
whose first line ``# csv_sha256=<hex>`` names the CSV it was written with: a CSV rewritten without its
sidecar (a crash between the two files) is refused on load instead of getting the old label times.

Example:
    >>> import tempfile, os
    >>> pts = [{"time": 60, "features": {"b": 2.0, "a": 0.5}, "label": {"name": "y", "value": True},
    ...         "label_time": 120, "route": "Sandbox-BTC-USDT-1m"}]
    >>> path = os.path.join(tempfile.mkdtemp(), "X_data.csv")
    >>> _ = write_ml_data_csv(pts, path)
    >>> open(path).read().splitlines()
    ['time,label_name,label_value,a,b', '60,y,True,0.5,2.0']
    >>> load_ml_data_csv(path) == pts
    True
"""
from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

from jesse_dag._excerpt import excerpt, excerpt_list
from jesse_dag.ml.datapoints import DataPoint, parse_label_value
from jesse_dag.paths import path_inside

RESERVED = ("time", "label_name", "label_value")
SIDECAR_SUFFIX = ".label_times.csv"
SIDECAR_COLUMNS = ("time", "label_time", "route")
# the sidecar's first line names the CSV it belongs to, so a crash between writing the two files is caught
SIDECAR_HASH_PREFIX = "# csv_sha256="


def resolve_csv_path(path_or_name: str | os.PathLike) -> Path:
    """Jesse's rule: a bare name (no ``/``, no ``os.sep``, no ``.csv``) means
    ``strategies/<name>/ml_data/<name>_data.csv``; anything else is a path."""
    s = os.fspath(path_or_name)
    if os.sep not in s and "/" not in s and not s.endswith(".csv"):
        return path_inside("strategies", s, what="strategy name") / "ml_data" / f"{s}_data.csv"
    return Path(s)


def sidecar_path(csv_path: str | os.PathLike) -> Path:
    """Where the sidecar of ``csv_path`` lives: ``X_data.csv`` -> ``X_data.label_times.csv``."""
    p = Path(csv_path)
    stem = p.name[:-4] if p.name.endswith(".csv") else p.name
    return p.with_name(stem + SIDECAR_SUFFIX)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write_rows(path: Path, rows: list[list[Any]]) -> None:
    # Write beside the target then rename: a crash leaves the previous file, never half of one.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as fh:
            csv.writer(fh).writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_ml_data_csv(points: Sequence[DataPoint], path: str | os.PathLike, sidecar: bool = True) -> Path:
    """Write ``points`` in Jesse's CSV layout (and, if any point has ``label_time``, the sidecar)."""
    path = Path(path)
    names = sorted({k for p in points for k in p["features"]})
    clash = [n for n in names if n in RESERVED]
    if clash:
        raise ValueError(f"feature name {clash[0]!r} clashes with a reserved CSV column {RESERVED}")
    ordered = sorted(points, key=lambda p: p["time"])
    rows: list[list[Any]] = [list(RESERVED) + names]
    for p in ordered:
        rows.append([int(p["time"]), p["label"]["name"], str(p["label"]["value"])]
                    + [str(p["features"].get(n, "")) for n in names])
    _atomic_write_rows(path, rows)
    side = sidecar_path(path)
    if sidecar and any(p.get("label_time") is not None for p in ordered):
        _atomic_write_rows(side, [[SIDECAR_HASH_PREFIX + _sha256_file(path)], list(SIDECAR_COLUMNS)] + [
            [int(p["time"]), "" if p.get("label_time") is None else int(p["label_time"]), p.get("route") or ""]
            for p in ordered])
    elif side.exists():
        side.unlink()  # a stale sidecar would pair old label times with new rows
    return path


def _bad(path: Path, line: int, msg: str) -> ValueError:
    return ValueError(f"{path}: line {line} (data row {line - 1}): {msg}")


def load_ml_data_csv(path_or_name: str | os.PathLike) -> list[DataPoint]:
    """Read data points from a CSV that Jesse or jesse_dag wrote (Jesse's name/path resolution).

    Labels come back as bool, int or float (text otherwise). A missing column, a bad number or an empty
    feature cell is refused with the file and line. If the sidecar is present, each point also gets
    ``label_time`` and ``route``.
    """
    path = resolve_csv_path(path_or_name)
    if not path.exists():
        raise FileNotFoundError(f"ML data CSV not found: {path}")
    points = _readable(path, _read_points, path, expected=f"the ML data CSV {','.join(RESERVED)},<features>")
    side = sidecar_path(path)
    if side.exists():
        _readable(side, _attach_sidecar, points, side, path, expected=f"the sidecar {','.join(SIDECAR_COLUMNS)}")
    return points


def _readable(path: Path, read, *args, expected: str = ""):
    """``read(*args)``, with a file that is not UTF-8 CSV text refused naming it (not quoting its bytes)."""
    try:
        return read(*args)
    except UnicodeDecodeError as exc:  # a binary or non-UTF-8 file
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded); expected {expected} "
                         "that gather wrote") from None
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise ValueError(f"{path}: not a readable CSV ({exc}); expected {expected} that gather wrote") from None


def _read_points(path: Path) -> list[DataPoint]:
    points: list[DataPoint] = []
    with open(path, newline="", encoding="utf-8-sig") as fh:  # -sig: a BOM (Excel's UTF-8 mark) is skipped
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: empty file, expected a header {','.join(RESERVED)},<features>")
        missing = [c for c in RESERVED if c not in header]
        if missing:
            raise ValueError(f"{path}: line 1 (header): missing column(s) {missing}: not Jesse's ML data CSV "
                             f"(expected {','.join(RESERVED)},<features>); the line starts {excerpt(','.join(header))}")
        if len(set(header)) != len(header):
            dup = sorted({c for c in header if header.count(c) > 1})
            raise ValueError(f"{path}: line 1 (header): duplicate column names {excerpt_list(dup)}")
        idx = {c: header.index(c) for c in RESERVED}
        feats = [(i, c) for i, c in enumerate(header) if c not in RESERVED]
        if not feats:
            raise ValueError(f"{path}: line 1 (header): no feature columns after {','.join(RESERVED)}; nothing "
                             "to train on (gather writes one column per feature)")
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            if len(row) != len(header):
                raise _bad(path, line, f"{len(row)} fields, header has {len(header)}")
            try:
                t = int(row[idx["time"]])
            except ValueError:
                raise _bad(path, line, f"time {excerpt(row[idx['time']])} is not an integer") from None
            if not -2**62 < t < 2**62:
                raise _bad(path, line, f"time {t} is out of range (epoch seconds)")
            features: dict[str, float] = {}
            for i, c in feats:
                cell = row[i]
                if cell.strip() == "":
                    raise _bad(path, line, f"feature {excerpt(c)} is empty")
                try:
                    features[c] = float(cell)
                except ValueError:
                    raise _bad(path, line, f"feature {excerpt(c)} = {excerpt(cell)} is not a number") from None
            raw = row[idx["label_value"]].strip()
            if raw == "":
                raise _bad(path, line, "label_value is empty")
            points.append({"time": t, "features": features,
                           "label": {"name": row[idx["label_name"]], "value": parse_label_value(raw)}})
    return points


def _attach_sidecar(points: list[DataPoint], side: Path, csv_path: Path) -> None:
    try:
        with open(side, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as err:
        raise ValueError(f"{side}: not a readable label-times sidecar ({type(err).__name__}); delete it to load "
                         "the CSV without label times") from None
    first_line = 1
    if rows and len(rows[0]) == 1 and rows[0][0].startswith(SIDECAR_HASH_PREFIX):
        first_line = 2
        # sidecars written before the hash line have none: their rows are still checked time by time below
        recorded = rows.pop(0)[0][len(SIDECAR_HASH_PREFIX):]
        actual = _sha256_file(csv_path)
        if recorded != actual:
            raise ValueError(f"{side}: line 1: written for a CSV with sha256 {recorded[:12]}…, but {csv_path} has "
                             f"{actual[:12]}…: the CSV was rewritten without its label times (a gather "
                             "interrupted between the two files?); gather again, or delete the sidecar to load "
                             "the CSV without label times")
    if not rows or tuple(rows[0]) != SIDECAR_COLUMNS:
        raise ValueError(f"{side}: line {first_line}: expected header {','.join(SIDECAR_COLUMNS)}, got "
                         f"{excerpt(','.join(rows[0])) if rows else 'an empty file'}")
    body = [r for r in rows[1:] if r]
    if len(body) != len(points):
        raise ValueError(f"{side}: {len(body)} rows but the CSV has {len(points)}: the two files no longer "
                         "belong together (delete the sidecar to load the CSV without label times)")
    for n, (r, p) in enumerate(zip(body, points), start=first_line + 1):
        if len(r) != 3 or r[0] != str(p["time"]):
            raise ValueError(f"{side}: line {n}: time {excerpt_list(r[:1])} does not match the CSV's {p['time']} on "
                             "the same row (delete the sidecar to load the CSV without label times)")
        if r[1] != "":
            try:
                p["label_time"] = int(r[1])
            except ValueError:
                raise ValueError(f"{side}: line {n}: label_time {excerpt(r[1])} is not an integer") from None
            if not -2**62 < p["label_time"] < 2**62:
                raise ValueError(f"{side}: line {n}: label_time {p['label_time']} is out of range (epoch seconds)")
        if r[2]:
            p["route"] = r[2]
