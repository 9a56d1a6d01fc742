"""Reading candle files into Jesse-ordered 1-minute arrays: CSV, Parquet, Binance kline zips, ``.npy``.

Nothing is guessed silently: the column mapping comes from the header (or the caller's ``columns``), a
headerless file is accepted only in Binance's kline layout (12 columns) or with ``columns`` given, and
the timestamp unit (s, ms, us, ns) is detected from the values' magnitude (every row must agree) or
given as ``timestamp_unit``. What was detected is returned with the array, for the import report.

Example:
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "c.csv")
    >>> _ = open(p, "w").write("timestamp,open,high,low,close,volume\\n1609459200000,10,12,9,11,5\\n")
    >>> candles, info = read_candles_file(p)
    >>> candles.tolist(), info.timestamp_unit
    ([[1609459200000.0, 10.0, 11.0, 12.0, 9.0, 5.0]], 'ms')
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from jesse_dag.candles.columns import COLUMNS, N_COLUMNS, ONE_MINUTE_MS


class CandleFileError(ValueError):
    """A candle file cannot be read as 1-minute candles; the message names the file and what is wrong."""


# header aliases -> our column names
_ALIASES = {
    "timestamp": "timestamp", "time": "timestamp", "ts": "timestamp", "open_time": "timestamp",
    "opentime": "timestamp", "date": "timestamp", "datetime": "timestamp",
    "open": "open", "o": "open", "high": "high", "h": "high", "low": "low", "l": "low",
    "close": "close", "c": "close", "volume": "volume", "vol": "volume", "v": "volume",
}
# Binance's kline CSV: open_time, open, high, low, close, volume, close_time, quote_volume, count,
# taker_buy_volume, taker_buy_quote_volume, ignore
BINANCE_KLINE_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
                         "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore")
_UNIT_TO_MS = {"s": 1000, "ms": 1, "us": 1 / 1000, "ns": 1 / 1_000_000}
# epoch magnitudes for dates 2001..2286 in each unit
_UNIT_RANGES = {"s": (1e9, 1e10), "ms": (1e12, 1e13), "us": (1e15, 1e16), "ns": (1e18, 1e19)}


@dataclass
class ReadInfo:
    """How a file was read: its layout, the column mapping used and the timestamp unit."""

    source: str
    layout: str
    columns: tuple[str, ...]
    timestamp_unit: str
    timestamp_unit_detected: bool
    header_lines: int


def detect_timestamp_unit(timestamps: np.ndarray, source: str = "timestamps") -> str:
    """``"s"``, ``"ms"``, ``"us"`` or ``"ns"`` from the magnitude of epoch timestamps; every value must agree.

    Example:
        >>> import numpy as np
        >>> detect_timestamp_unit(np.array([1_735_689_600_000_000]))
        'us'
    """
    ts = np.asarray(timestamps, dtype=np.float64)
    lo, hi = float(np.min(ts)), float(np.max(ts))
    for unit, (a, b) in _UNIT_RANGES.items():
        if a <= lo and hi < b:
            return unit
    units = {u for u, (a, b) in _UNIT_RANGES.items() if a <= lo < b or a <= hi < b}
    if len(units) > 1:
        first = int(np.argmax([(a <= ts) & (ts < b) for u, (a, b) in _UNIT_RANGES.items() if u == max(units)][0]))
        raise CandleFileError(
            f"{source}: timestamps mix units ({' and '.join(sorted(units))}); first {max(units)} value at row "
            f"{first}; split the file or convert it"
        )
    raise CandleFileError(
        f"{source}: cannot tell the timestamp unit from values {lo:.0f} .. {hi:.0f} (not epoch s, ms, us or ns "
        f"between 2001 and 2286); pass timestamp_unit"
    )


def _to_ms(ts: np.ndarray, unit: str, source: str) -> np.ndarray:
    if unit not in _UNIT_TO_MS:
        raise CandleFileError(f"{source}: unknown timestamp_unit {unit!r}; expected one of s, ms, us, ns")
    ts = np.asarray(ts)
    if unit == "ms":
        return ts.astype(np.int64)
    if unit == "s":
        return ts.astype(np.int64) * 1000
    div = 1000 if unit == "us" else 1_000_000
    as_int = ts.astype(np.int64)
    bad = np.flatnonzero(as_int % div != 0)
    if bad.size:
        raise CandleFileError(f"{source}: row {int(bad[0])}: timestamp {as_int[bad[0]]} ({unit}) is not a whole millisecond")
    return as_int // div


def _mapping(names: Sequence[str], source: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, raw in enumerate(names):
        key = _ALIASES.get(str(raw).strip().lower())
        if key is not None and key not in found:
            found[key] = i
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        raise CandleFileError(
            f"{source}: no column for {', '.join(missing)} among {list(names)}; pass columns=[...] naming each "
            f"column in file order (e.g. ['timestamp', 'open', 'high', 'low', 'close', 'volume'])"
        )
    return found


def _assemble(table_columns: dict[str, np.ndarray], mapping: dict[str, int], names: Sequence[str], source: str,
              timestamp_unit: str | None) -> tuple[np.ndarray, str, bool]:
    ts_raw = table_columns[names[mapping["timestamp"]]]
    if ts_raw.dtype.kind == "M":  # a datetime column
        ts_ms = ts_raw.astype("datetime64[ms]").astype(np.int64)
        unit, detected = "datetime", True
    else:
        if ts_raw.dtype.kind not in "iuf":
            raise CandleFileError(f"{source}: timestamp column {names[mapping['timestamp']]!r} is not numeric "
                                  f"(dtype {ts_raw.dtype})")
        if timestamp_unit is None:
            unit, detected = detect_timestamp_unit(ts_raw, source), True
        else:
            unit, detected = timestamp_unit, False
        ts_ms = _to_ms(ts_raw, unit, source)
    n = len(ts_ms)
    out = np.empty((n, N_COLUMNS), dtype=np.float64)
    out[:, 0] = ts_ms
    for j, col in enumerate(COLUMNS[1:], start=1):
        values = table_columns[names[mapping[col]]]
        if values.dtype.kind not in "iuf":
            raise CandleFileError(f"{source}: column {names[mapping[col]]!r} ({col}) is not numeric (dtype {values.dtype})")
        out[:, j] = values
    return out, unit, detected


def _read_csv_bytes(data, source: str, columns: Sequence[str] | None, timestamp_unit: str | None,
                    binance: bool = False) -> tuple[np.ndarray, ReadInfo]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    head = data.read(4096) if hasattr(data, "read") else None
    if head is None:
        raise CandleFileError(f"{source}: cannot read")
    first_line = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if not first_line:
        raise CandleFileError(f"{source}: the file is empty")
    has_header = any(ch.isalpha() for ch in first_line.replace("e+", "").replace("E+", ""))
    n_fields = len(first_line.split(","))
    if columns is not None:
        names = list(columns)
        layout = "csv (columns given)"
    elif has_header:
        names = [f.strip().strip('"').strip("'") for f in first_line.split(",")]
        if n_fields == 12 and names[0].lower() == "open_time":
            layout = "binance kline csv (with header)"
        else:
            layout = "csv with header"
    elif n_fields == 12:
        names = list(BINANCE_KLINE_COLUMNS)
        layout = "binance kline csv (headerless, 12 columns)"
    else:
        raise CandleFileError(
            f"{source}: headerless file with {n_fields} columns; its column order cannot be known: pass "
            f"columns=[...] (e.g. ['timestamp', 'open', 'high', 'low', 'close', 'volume'])"
        )
    if len(names) != n_fields:
        raise CandleFileError(f"{source}: columns names {len(names)} fields but the file has {n_fields}")
    mapping = _mapping(names, source)
    rest = data.read()
    raw = head + rest
    convert = pacsv.ConvertOptions(column_types={names[mapping["timestamp"]]: pa.int64(),
                                                 **{names[mapping[c]]: pa.float64() for c in COLUMNS[1:]}},
                                   include_columns=[names[mapping[c]] for c in COLUMNS])
    read = pacsv.ReadOptions(column_names=names, skip_rows=1 if has_header else 0)
    try:
        table = pacsv.read_csv(io.BytesIO(raw), read_options=read, convert_options=convert)
    except pa.ArrowInvalid as err:
        raise CandleFileError(f"{source}: {err}") from None
    cols = {name: table.column(name).to_numpy() for name in table.column_names}
    for name in table.column_names:
        if table.column(name).null_count:
            row = int(np.flatnonzero(np.asarray(table.column(name).is_null()))[0])
            raise CandleFileError(f"{source}: row {row} (line {row + 1 + int(has_header)}): {name} is empty")
    candles, unit, detected = _assemble(cols, mapping, names, source, timestamp_unit)
    return candles, ReadInfo(source, layout, tuple(names), unit, detected, int(has_header))


def _read_zip(path: Path, columns, timestamp_unit) -> tuple[np.ndarray, ReadInfo]:
    with zipfile.ZipFile(path) as zf:
        members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
        if len(members) != 1:
            raise CandleFileError(f"{path}: expected one .csv inside the zip, found {members or zf.namelist()}")
        with zf.open(members[0]) as fh:
            return _read_csv_bytes(fh, f"{path.name}/{members[0]}", columns, timestamp_unit)


def _read_parquet(path: Path, columns, timestamp_unit) -> tuple[np.ndarray, ReadInfo]:
    import pyarrow.parquet as pq

    table = pq.read_table(str(path))
    names = list(columns) if columns is not None else table.column_names
    if columns is not None:
        table = table.rename_columns(names)
    mapping = _mapping(names, str(path))
    cols = {n: table.column(n).to_numpy() for n in (names[mapping[c]] for c in COLUMNS)}
    unit_meta = (table.schema.metadata or {}).get(b"timestamp_unit")
    if timestamp_unit is None and unit_meta:
        timestamp_unit = unit_meta.decode()
        candles, unit, _ = _assemble(cols, mapping, names, str(path), timestamp_unit)
        return candles, ReadInfo(str(path), "parquet (unit from metadata)", tuple(names), unit, False, 0)
    candles, unit, detected = _assemble(cols, mapping, names, str(path), timestamp_unit)
    return candles, ReadInfo(str(path), "parquet", tuple(names), unit, detected, 0)


def read_candles_file(
    path: str | os.PathLike,
    *,
    columns: Sequence[str] | None = None,
    timestamp_unit: str | None = None,
) -> tuple[np.ndarray, ReadInfo]:
    """Read a candle file into a float64 ``(N, 6)`` array in Jesse's order, plus how it was read.

    Formats by suffix: ``.csv`` (``../shared/data`` layout or any header naming the columns), ``.zip``
    (Binance's kline archive: one headerless, or headed, CSV inside; microsecond timestamps, used by
    Binance spot since 2025, are detected and converted), ``.parquet``, ``.npy`` (a Jesse-ordered array).
    The array is not validated here (``store_candles`` does that, naming rows).

    Example:
        >>> import tempfile, os, numpy as np
        >>> p = os.path.join(tempfile.mkdtemp(), "c.csv")
        >>> _ = open(p, "w").write("1735689600000000,1,2,0.5,1.5,3,1735689659999999,0,0,0,0,0\\n")
        >>> c, info = read_candles_file(p)
        >>> int(c[0, 0]), info.timestamp_unit, info.layout
        (1735689600000, 'us', 'binance kline csv (headerless, 12 columns)')
    """
    p = Path(path)
    if not p.exists():
        raise CandleFileError(f"{p}: no such file")
    suffix = "".join(p.suffixes[-1:]).lower()
    if suffix == ".zip":
        return _read_zip(p, columns, timestamp_unit)
    if suffix == ".parquet":
        return _read_parquet(p, columns, timestamp_unit)
    if suffix == ".npy":
        arr = np.load(p, allow_pickle=False)
        if arr.ndim != 2 or arr.shape[1] != N_COLUMNS:
            raise CandleFileError(f"{p}: expected a Jesse-ordered (N, 6) array, got shape {arr.shape}")
        arr = arr.astype(np.float64)
        unit = timestamp_unit or detect_timestamp_unit(arr[:, 0], str(p))
        arr[:, 0] = _to_ms(arr[:, 0], unit, str(p))
        return arr, ReadInfo(str(p), "jesse array (.npy)", COLUMNS, unit, timestamp_unit is None, 0)
    if suffix in (".csv", ".txt"):
        with open(p, "rb") as fh:
            return _read_csv_bytes(fh, str(p), columns, timestamp_unit)
    raise CandleFileError(f"{p}: unknown file type {suffix!r}; expected .csv, .zip, .parquet or .npy")


def minute_floor_check(candles: np.ndarray) -> bool:
    """True when every timestamp is a whole minute (a cheap pre-check before validation)."""
    return bool(np.all(candles[:, 0] % ONE_MINUTE_MS == 0))
