"""Candle files that are malformed in common ways: each is read correctly or refused naming file, line, column."""
from __future__ import annotations

import zipfile

import numpy as np
import pytest

from jesse_dag.candles.binance import ChecksumError, published_sha256
from jesse_dag.candles.importers import CandleFileError, read_candles_file
from jesse_dag.candles.validate import CandleValidationError
from jesse_dag.store import load_candles
from jesse_dag.store.importing import import_file

HEADER = "timestamp,open,high,low,close,volume\n"
ROWS = "1609459200000,10,12,9,11,5\n1609459260000,11,13,10,12,6\n"
EXPECTED = [[1609459200000.0, 10.0, 11.0, 12.0, 9.0, 5.0], [1609459260000.0, 11.0, 12.0, 13.0, 10.0, 6.0]]


def _file(tmp_path, text: str, name: str = "c.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_utf8_bom_before_the_header_is_skipped(tmp_path):
    candles, info = read_candles_file(_file(tmp_path, "\ufeff" + HEADER + ROWS))
    assert candles.tolist() == EXPECTED and info.columns[0] == "timestamp"


@pytest.mark.parametrize("header, first, second", [
    ("date", "2021-01-01T00:00:00", "2021-01-01T00:01:00"),
    ("datetime", "2021-01-01 00:00:00", "2021-01-01 00:01"),
    ("date", "2021-01-01T00:00:00Z", "2021-01-01T02:01:00+02:00"),  # offsets are converted to UTC
    ("time", "2021-01-01", "2021-01-01 00:01:00.000"),
])
def test_iso_dates_and_datetimes_are_read_as_utc(tmp_path, header, first, second):
    text = f"{header},open,high,low,close,volume\n{first},10,12,9,11,5\n{second},11,13,10,12,6\n"
    candles, info = read_candles_file(_file(tmp_path, text))
    assert candles.tolist() == EXPECTED and info.timestamp_unit == "iso-8601 (UTC)"


def test_iso_dates_stored_through_a_zip(tmp_path):
    path = tmp_path / "c.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("c.csv", "\ufeffdatetime,open,high,low,close,volume\n2021-01-01 00:00,10,12,9,11,5\n"
                             "2021-01-01 00:01,11,13,10,12,6\n")
    report = import_file(path, "E", "A-B", db=tmp_path / "s.duckdb")
    assert report.rows_added == 2 and load_candles("E", "A-B", db=tmp_path / "s.duckdb").tolist() == EXPECTED


@pytest.mark.parametrize("text, message", [
    ("date,open,high,low,close,volume\n2021-01-01T00:00,10,12,9,11,5\n01/02/2021,11,13,10,12,6\n",
     r"row 1 \(line 3\), column 'date': '01/02/2021' is neither an epoch timestamp nor an ISO-8601"),
    ("date,open,high,low,close,volume\n2021-01-01T00:00Z,10,12,9,11,5\n2021-01-01T00:01,11,13,10,12,6\n",
     r"column 'date' mixes times with a zone offset \(line 2: .*\) and without \(line 3: .*\)"),
    (HEADER + "1609459200000,10,12,9,NA,5\n", r"line 2, column 'close': 'NA' is not a number"),
    (HEADER + ROWS + "1609459320000,10,12,9,abc,5\n", r"line 4, column 'close': 'abc' is not a number"),
    (HEADER + "1609459200000.5,10,12,9,11,5\n", r"line 2, column 'timestamp': '1609459200000.5' is not a whole"),
    (HEADER + ROWS + "1609459320000,10,12,9\n", r"line 4 has 4 fields but the header \(or first row\) has 6"),
    ("timestamp,open,open,high,low,close,volume\n1609459200000,1,10,12,9,11,5\n",
     r"columns 'open' \(column 2\) and 'open' \(column 3\) both name the open"),
    ("time,timestamp,open,high,low,close,volume\n1,1609459200000,10,12,9,11,5\n", r"both name the timestamp"),
    ("\n\n" + HEADER + ROWS, r"line 1 is blank; .*remove the blank lines"),
    (HEADER.replace(",", ";") + ROWS.replace(",", ";"), r"the header has no commas but ';'"),
    ("\x00\x01binary\x02" * 4, r"not a text CSV"),
    ("", r"the file is empty"),
])
def test_malformed_csv_is_refused_naming_the_line_and_column(tmp_path, text, message):
    path = _file(tmp_path, text)
    with pytest.raises(CandleFileError, match=message) as err:
        import_file(path, "E", "A-B", db=tmp_path / "s.duckdb")
    assert str(path) in str(err.value)
    assert not (tmp_path / "s.duckdb").exists()


def test_nan_is_reported_as_nan_not_as_empty(tmp_path):
    path = _file(tmp_path, HEADER + "1609459200000,10,12,9,NaN,5\n")
    with pytest.raises(CandleValidationError, match=r"row 0 \(line 2\): close is nan \(must be finite\)"):
        import_file(path, "E", "A-B", db=tmp_path / "s.duckdb")
    path = _file(tmp_path, HEADER + "1609459200000,10,12,9,,5\n")
    with pytest.raises(CandleFileError, match=r"row 0 \(line 2\): close is empty"):
        import_file(path, "E", "A-B", db=tmp_path / "s.duckdb")


def test_a_refused_value_is_quoted_short(tmp_path):
    path = _file(tmp_path, HEADER + "1609459200000,10,12,9," + "x" * 5000 + ",5\n")
    with pytest.raises(CandleFileError) as err:
        read_candles_file(path)
    assert len(str(err.value)) < len(str(path)) + 200 and "x" * 41 not in str(err.value)


@pytest.mark.parametrize("text, message", [
    ("", "is empty: no sha256"), ("   \n", "is empty: no sha256"),
    ("<html>Not here</html>", "does not start with a sha256"), ("abc123  f.zip", "does not start with a sha256"),
])
def test_an_empty_or_garbled_checksum_file_is_refused_clearly(text, message):
    with pytest.raises(ChecksumError, match=message):
        published_sha256(text, "https://x/f.zip.CHECKSUM")
    assert published_sha256("AB" * 32 + "  f.zip\n", "u") == "ab" * 32


def _npy(path, arr, **kw):
    np.save(path, arr, **kw)


@pytest.mark.parametrize("name, make, message", [
    ("garbage.npy", lambda p: p.write_bytes(b"hello world"), "not a numpy .npy file"),
    ("objects.npy", lambda p: _npy(p, np.array([[1, "a"]], dtype=object), allow_pickle=True),
     r"holds Python objects \(pickled\), which are never loaded"),
    ("text.npy", lambda p: _npy(p, np.array([["a"] * 6])), "holds <U1 values, not numbers"),
    ("float32.npy", lambda p: _npy(p, np.ones((2, 6), dtype=np.float32)), "dtype float32 cannot hold candles"),
    ("empty.npy", lambda p: _npy(p, np.zeros((0, 6))), "no candle rows"),
    ("truncated.npy", lambda p: (_npy(p, np.ones((100, 6))), p.write_bytes(p.read_bytes()[:300])),
     "a damaged .npy file"),
    ("garbage.parquet", lambda p: p.write_bytes(b"hello world"), "not a readable Parquet file"),
    ("empty.parquet", lambda p: p.write_bytes(b""), "not a readable Parquet file"),
    ("folder.csv", lambda p: p.mkdir(), "is a folder"),
])
def test_npy_and_parquet_files_that_are_not_candles_are_refused_naming_them(tmp_path, name, make, message):
    path = tmp_path / name
    make(path)
    with pytest.raises(CandleFileError, match=message) as err:
        import_file(path, "E", "A-B", db=tmp_path / "s.duckdb")
    assert str(path) in str(err.value)


def test_archive_dates_that_are_not_dates_are_refused_naming_the_argument(tmp_path):
    from jesse_dag.store.importing import import_binance_archive

    with pytest.raises(ValueError, match=r"finish_date '2025-13-01' is not a date; write it as YYYY-MM-DD"):
        import_binance_archive("Binance", "BTC-USDT", "2025-01-01", "2025-13-01", db=tmp_path / "s.duckdb",
                               base_url="http://127.0.0.1:9")


@pytest.mark.parametrize("value, message", [
    ("2021-01-01T00:00:00.000001", "finer than a millisecond"),
    ("1500-01-01", r"'1500-01-01' is neither an epoch timestamp nor an ISO-8601 date/time from 1678 to 2261"),
])
def test_iso_times_outside_what_candles_can_hold_are_refused(tmp_path, value, message):
    path = _file(tmp_path, f"date,open,high,low,close,volume\n{value},10,12,9,11,5\n")
    with pytest.raises(CandleFileError, match=message):
        read_candles_file(path)


def test_a_row_too_wide_for_the_csv_module_still_gets_a_clear_refusal(tmp_path):
    path = _file(tmp_path, HEADER + "1609459200000," + "9" * 200_000 + ",1,1,1,1\n1609459260000,1,2,3\n")
    with pytest.raises(CandleFileError, match=r"a line has 4 fields, not 6; fix or remove it"):
        read_candles_file(path)
