"""Property-based tests: generated malformed inputs end in one of our documented errors, never another
exception, and never in stored or returned data that fails validation.

The documented errors:
- candle files (``import_file``, CSV and Binance zip): :class:`CandleFileError` (the file cannot be read as
  candles) or :class:`CandleValidationError` (a row breaks the 1-minute contract), both ``ValueError``s whose
  message names the file;
- the ML data CSV (``load_ml_data_csv``): ``ValueError`` naming the file (or its sidecar);
- the CLI's date options: a usage error (exit 2) naming the option.

Deterministic (``derandomize=True``) and bounded (100 examples, no deadline), so CI runs them every time.
"""
from __future__ import annotations

import itertools
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jesse_dag.candles.importers import CandleFileError
from jesse_dag.candles.validate import CandleValidationError, validate_candles
from jesse_dag.ml.csv_io import load_ml_data_csv
from jesse_dag.ml.datapoints import validate_points
from jesse_dag.store import load_candles
from jesse_dag.store.importing import import_file

CANDLE_ERRORS = (CandleFileError, CandleValidationError)
PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# ── generated candle CSVs ───────────────────────────────────────────────────────────────────────────────

START = 1_609_459_200_000  # 2021-01-01T00:00Z
HEADERS = [
    "timestamp,open,high,low,close,volume", "\ufefftimestamp,open,high,low,close,volume",
    "date,open,high,low,close,volume", "datetime,o,h,l,c,v", "time,open,high,low,close,volume,extra",
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore",
    "timestamp,open,open,high,low,close,volume", "timestamp;open;high;low;close;volume", "open,high,low,close",
    '"timestamp","open","high","low","close","volume"', "ts,OPEN,High,low,Close,vol", "",
]
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**25, max_value=10**25).map(str),
    st.sampled_from(["", "NaN", "nan", "inf", "-inf", "NA", "null", "1e308", "1e-320", "0", "-0.0", " 5 ", "1,5",
                     '"7"', "abc", "\x00", "é", "１"]),
)
timestamps = st.one_of(
    st.integers(min_value=0, max_value=1_440).map(lambda i: str(START + 60_000 * i)),  # plausible ms
    st.integers(min_value=0, max_value=1_440).map(lambda i: str((START + 60_000 * i) // 1000)),  # seconds
    st.integers(min_value=0, max_value=1_440).map(lambda i: str((START + 60_000 * i) * 1000)),  # micro
    st.integers(min_value=0, max_value=1_440).map(
        lambda i: np.datetime_as_string(np.datetime64(START + 60_000 * i, "ms"), unit="s")),  # ISO
    st.sampled_from(["2021-01-01", "2021-01-01T00:00:00Z", "2021-01-01 00:01:00+02:00", "01/02/2021", "-1",
                     "1609459200000.5", "99999999999999999999", "", "x", "1500-01-01", "2021-02-29",
                     "2021-01-01T00:00:00.000001", "2021-01-01T24:00:00", "2021-01-01T00:00:00+25:00"]),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
)


GOOD_HEADERS = HEADERS[:4] + [HEADERS[9], HEADERS[10]]
TS_FORMATS = {
    "ms": lambda t: str(t), "s": lambda t: str(t // 1000), "us": lambda t: str(t * 1000),
    "iso": lambda t: np.datetime_as_string(np.datetime64(t, "ms"), unit="s"),
    "iso_z": lambda t: np.datetime_as_string(np.datetime64(t, "ms"), unit="m") + "Z",
}


@st.composite
def candle_line(draw, t: int, fmt: str) -> list[str]:
    """A valid candle at ``t`` (ms) in timestamp format ``fmt``, as its six fields."""
    o = draw(st.floats(min_value=0.01, max_value=1e6))
    c = draw(st.floats(min_value=0.01, max_value=1e6))
    return [TS_FORMATS[fmt](t), repr(o), repr(max(o, c) * 1.001), repr(min(o, c) * 0.999), repr(c),
            repr(draw(st.floats(min_value=0, max_value=1e9)))]


@st.composite
def candle_csvs(draw) -> tuple[bytes, bool]:
    """``(content, valid)``: mostly a valid file (BOM, aliases, ISO or epoch times in any unit, CRLF) with a
    few mutations (a field, a row's width, the order, a blank line), sometimes random rows or bytes."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=300)), False
    header = draw(st.sampled_from(GOOD_HEADERS if kind > 3 else HEADERS))
    fmt = draw(st.sampled_from(sorted(TS_FORMATS)))
    first = START + 60_000 * draw(st.integers(0, 10_000))
    steps = draw(st.lists(st.integers(1, 3), min_size=0, max_size=8))
    times = list(first + 60_000 * np.cumsum([0] + steps))
    rows = [draw(candle_line(int(t), fmt)) for t in times]
    if kind <= 3:  # random rows
        rows = [[draw(timestamps)] + [draw(numbers) for _ in range(draw(st.integers(3, 7)))] for _ in rows]
    mutations = draw(st.integers(0 if kind > 5 else 1, 1 if kind > 5 else 2))
    for _ in range(mutations):
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        if not rows[i]:  # a blank line inserted before
            continue
        what = draw(st.sampled_from(["field", "timestamp", "width", "swap", "duplicate", "blank"]))
        if what == "field":
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(numbers)
        elif what == "timestamp":
            rows[i][0] = draw(timestamps)
        elif what == "width":
            rows[i] = rows[i][:draw(st.integers(1, 5))] if draw(st.booleans()) else rows[i] + ["0"]
        elif what == "swap":
            j = draw(st.integers(0, len(rows) - 1))
            rows[i], rows[j] = rows[j], rows[i]
        elif what == "duplicate":
            rows.insert(i, list(rows[i]))
        else:
            rows.insert(i, [])
    lines = ([header] if header else []) + [",".join(r) for r in rows]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    content = (newline.join(lines) + draw(st.sampled_from(["", newline]))).encode("utf-8", "surrogatepass")
    return content, kind > 3 and header in GOOD_HEADERS and not mutations


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


_SYMBOLS = itertools.count()  # a new market per example: each import starts from an empty market


def _import_checked(path: Path, db: Path, symbol: str, valid: bool) -> None:
    """Import ``path``: a valid file is stored; a refusal is documented, names the file and is ours (not a
    library's internal message); what is stored validates."""
    try:
        report = import_file(path, "Prop", symbol, db=db)
    except CANDLE_ERRORS as exc:
        assert not valid, f"a valid file was refused: {exc}"
        assert path.name in str(exc), str(exc)
        assert "In CSV column" not in str(exc) and "conversion error" not in str(exc), str(exc)
        return
    stored = load_candles("Prop", symbol, db=db)
    assert len(stored) == report.rows_added > 0
    validate_candles(stored, allow_gaps=True, name=symbol)  # raises if anything stored breaks the contract
    assert np.all(stored[:, 0] % 60_000 == 0)


@PROPERTY
@given(generated=candle_csvs())
def test_generated_candle_csvs_are_stored_valid_or_refused_clearly(workdir, generated):
    content, valid = generated
    path = workdir / "gen.csv"
    path.write_bytes(content)
    symbol = f"C{next(_SYMBOLS)}-USDT"
    _import_checked(path, workdir / "csv.duckdb", symbol, valid)


@PROPERTY
@given(generated=candle_csvs(), members=st.sampled_from(["one", "none", "two", "nested"]))
def test_generated_binance_zips_are_stored_valid_or_refused_clearly(workdir, generated, members):
    content, valid = generated
    path = workdir / "BTCUSDT-1m-2021-01.zip"
    with zipfile.ZipFile(path, "w") as zf:
        if members in ("one", "two"):
            zf.writestr("BTCUSDT-1m-2021-01.csv", content)
        if members == "two":
            zf.writestr("other.csv", content)
        if members == "nested":
            zf.writestr("dir/readme.txt", content)
    symbol = f"Z{next(_SYMBOLS)}-USDT"
    _import_checked(path, workdir / "zip.duckdb", symbol, valid and members == "one")


# ── generated ML data CSVs ──────────────────────────────────────────────────────────────────────────────

ML_HEADERS = ["time,label_name,label_value,a,b", "\ufefftime,label_name,label_value,rsi",
              "time,label_name,label_value", "label_name,time,label_value,x,time", "time,label_value,x",
              "time,label_name,label_value,a,a", ""]
ml_cells = st.one_of(numbers, st.sampled_from(["True", "false", "up", "1", "-1", "0.5"]), st.text(max_size=8))


@st.composite
def ml_csvs(draw) -> bytes:
    """Mostly a CSV as gather writes it with a few mutated cells or widths, sometimes any header or bytes."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=300))
    header = draw(st.sampled_from(ML_HEADERS if kind <= 3 else ML_HEADERS[:2]))
    width = len(header.split(","))
    rows = []
    for i in range(draw(st.integers(0, 6))):
        row = [str(1_600_000_000 + 60 * i), "y", draw(st.sampled_from(["True", "False", "1", "0.5", "up"]))]
        row += [repr(draw(st.floats(min_value=-1e6, max_value=1e6))) for _ in range(width - 3)]
        rows.append(row)
    for _ in range(draw(st.integers(0 if kind > 5 else 1, 1 if kind > 5 else 2))):
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        if draw(st.booleans()):
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(st.one_of(ml_cells, timestamps))
        else:
            rows[i] = rows[i][:-1] if draw(st.booleans()) else rows[i] + ["0"]
    return "\n".join([header] + [",".join(r) for r in rows]).encode("utf-8", "surrogatepass")


@st.composite
def sidecars(draw) -> bytes | None:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return None
    if kind == 1:
        return draw(ml_csvs())
    rows = ["time,label_time,route"] + [f"{1_600_000_000 + 60 * i},{draw(timestamps)},R" for i in range(6)]
    return "\n".join(rows[:draw(st.integers(1, 7))]).encode()


@PROPERTY
@given(content=ml_csvs(), sidecar=sidecars())
def test_generated_ml_csvs_load_valid_points_or_are_refused_clearly(workdir, content, sidecar):
    path = workdir / "S_data.csv"
    path.write_bytes(content)
    side = workdir / "S_data.label_times.csv"
    side.unlink(missing_ok=True)
    if sidecar is not None:
        side.write_bytes(sidecar)
    try:
        points = load_ml_data_csv(path)
    except ValueError as exc:
        assert "S_data" in str(exc), str(exc)
        return
    validate_points(points, where=str(path))
    for p in points:
        assert isinstance(p["time"], int) and -2**62 < p["time"] < 2**62
        assert all(isinstance(v, float) for v in p["features"].values())
        assert p.get("label_time") is None or -2**62 < p["label_time"] < 2**62


# ── the CLI's date options ──────────────────────────────────────────────────────────────────────────────

dates = st.one_of(st.text(max_size=12), st.dates().map(str), st.sampled_from(
    ["2024-02-30", "2024-13-01", "0000-01-01", "9999-12-31", "2024-1-1", " 2024-01-01", "2024-01-01T00:00",
     "20240101", "2024/01/01", "-2024-01-01", "１２３４-01-01"]))


@PROPERTY
@given(start=dates, end=dates)
def test_cli_date_options_are_accepted_or_a_usage_error_naming_the_option(start, end):
    from jesse_dag.cli import EXIT_USAGE, main

    # a symbol without a dash is refused after the dates are checked: nothing is downloaded either way
    r = CliRunner().invoke(main, ["download-candles", "BTCUSDT", "--start", start, "--end", end])
    assert r.exit_code == EXIT_USAGE, (r.exit_code, r.output, r.exception)
    assert any(opt in r.output for opt in ("--start", "--end", "SYMBOL")), r.output
    assert "Traceback" not in r.output
