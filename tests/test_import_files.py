"""Importing files: the shared CSV layout, Binance kline zips (ms and us), Parquet, .npy; reports and refusals."""
from __future__ import annotations

import zipfile

import numpy as np
import pytest

from jesse_dag.candles.importers import CandleFileError, read_candles_file
from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.candles.validate import CandleValidationError
from jesse_dag.store import load_candles
from jesse_dag.store.importing import import_file

HEADER = "timestamp,open,high,low,close,volume\n"


def _write_csv(path, candles):
    # the ../shared/data layout: o,h,l,c order in the file, Jesse's o,c,h,l in memory
    with open(path, "w") as fh:
        fh.write(HEADER)
        for t, o, c, h, l, v in candles:
            fh.write(",".join([str(int(t))] + [repr(float(x)) for x in (o, h, l, c, v)]) + "\n")


def _binance_zip(path, candles, unit_factor=1, header=False):
    lines = ["open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
             "taker_buy_quote_volume,ignore"] if header else []
    for t, o, c, h, l, v in candles:
        ts = int(t) * unit_factor
        lines.append(",".join([str(ts)] + [repr(float(x)) for x in (o, h, l, c, v)] + [str(ts + 60_000 * unit_factor - 1), "0,0,0,0,0"]))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(path.name.replace(".zip", ".csv"), "\n".join(lines) + "\n")


@pytest.mark.slow
def test_shared_btc_csv_round_trips_exactly(data_dir, tmp_path):
    src = data_dir / "binance_BTCUSDT_1m.csv"
    db = tmp_path / "s.duckdb"
    report = import_file(src, "Binance Spot", "BTC-USDT", db=db)
    raw = np.loadtxt(src, delimiter=",", skiprows=1)
    expected = raw[:, [0, 1, 4, 2, 3, 5]]
    assert report.rows_added == len(expected) == 130_708 and report.gaps == []
    assert np.array_equal(load_candles("Binance Spot", "BTC-USDT", db=db), expected)
    # with 100 random rows deleted: exactly those minutes are reported missing
    rng = np.random.default_rng(0)
    drop = np.sort(rng.choice(np.arange(1, len(raw) - 1), 100, replace=False))
    holes = tmp_path / "holes.csv"
    lines = src.read_text().splitlines(keepends=True)
    holes.write_text("".join(line for i, line in enumerate(lines) if i - 1 not in set(drop.tolist())))
    r2 = import_file(holes, "Binance Spot", "BTC-USDT-HOLES", db=db)
    missing = sorted(t for a, b in r2.gaps for t in range(a, b + 1, 60_000))
    assert missing == expected[drop, 0].astype(np.int64).tolist()
    assert r2.missing_minutes == 100 and r2.rows_added == len(raw) - 100


def test_gaps_are_reported_as_ranges(tmp_path):
    m = synthetic_market(days=1, seed=2)
    drop = [10, 11, 12, 500, 1000]
    _write_csv(tmp_path / "c.csv", np.delete(m, drop, axis=0))
    r = import_file(tmp_path / "c.csv", "Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb")
    t = m[:, 0].astype(np.int64)
    assert r.gaps == [(t[10], t[12]), (t[500], t[500]), (t[1000], t[1000])]
    assert r.details["timestamp_unit"] == "ms" and r.details["layout"] == "csv with header"
    again = import_file(tmp_path / "c.csv", "Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb")
    assert (again.rows_added, again.rows_present) == (0, len(m) - 5)


@pytest.mark.parametrize("unit_factor, unit", [(1, "ms"), (1000, "us")])
@pytest.mark.parametrize("header", [False, True])
def test_binance_kline_zip(tmp_path, unit_factor, unit, header):
    m = synthetic_market(days=1, seed=5)
    z = tmp_path / "BTCUSDT-1m-2025-01-01.zip"
    _binance_zip(z, m, unit_factor, header)
    candles, info = read_candles_file(z)
    assert np.array_equal(candles, m)
    assert info.timestamp_unit == unit and info.timestamp_unit_detected
    assert "binance kline" in info.layout


def test_parquet_and_npy_and_given_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    m = synthetic_market(days=1, seed=6)
    pq.write_table(pa.table({"date": m[:, 0].astype(np.int64) // 1000, "o": m[:, 1], "h": m[:, 3],
                             "l": m[:, 4], "c": m[:, 2], "v": m[:, 5]}), tmp_path / "c.parquet")
    candles, info = read_candles_file(tmp_path / "c.parquet")
    assert np.array_equal(candles, m) and info.timestamp_unit == "s"
    np.save(tmp_path / "c.npy", m)
    assert np.array_equal(read_candles_file(tmp_path / "c.npy")[0], m)
    # headerless 6-column CSV with the order given
    with open(tmp_path / "h.csv", "w") as fh:
        for t, o, c, h, l, v in m[:5]:
            fh.write(",".join([str(int(t))] + [repr(float(x)) for x in (o, c, h, l, v)]) + "\n")
    got, info = read_candles_file(tmp_path / "h.csv", columns=["timestamp", "open", "close", "high", "low", "volume"])
    assert np.array_equal(got, m[:5]) and info.layout == "csv (columns given)"


def test_refusals_name_the_file_and_problem(tmp_path):
    m = synthetic_market(days=1, seed=7)
    p = tmp_path / "headerless.csv"
    p.write_text("1609459200000,1,2,0.5,1.5,3\n")
    with pytest.raises(CandleFileError, match="headerless file with 6 columns; its column order cannot be known"):
        read_candles_file(p)
    p = tmp_path / "names.csv"
    p.write_text("when,open,high,low,close,volume\n1,1,1,1,1,1\n")
    with pytest.raises(CandleFileError, match="no column for timestamp among"):
        read_candles_file(p)
    p = tmp_path / "unit.csv"
    p.write_text(HEADER + "123456,1,1,1,1,1\n")
    with pytest.raises(CandleFileError, match="cannot tell the timestamp unit"):
        read_candles_file(p)
    p = tmp_path / "mixed.csv"
    p.write_text(HEADER + "1609459200000,1,1,1,1,1\n1609459260000000,1,1,1,1,1\n")
    with pytest.raises(CandleFileError, match="timestamps mix units"):
        read_candles_file(p)
    assert read_candles_file(p.with_name("unit.csv"), timestamp_unit="s")[0][0, 0] == 123456000
    p = tmp_path / "empty_field.csv"
    p.write_text(HEADER + "1609459200000,1,1,1,,1\n")
    with pytest.raises(CandleFileError, match=r"row 0 \(line 2\): close is empty"):
        read_candles_file(p)
    with pytest.raises(CandleFileError, match="no such file"):
        read_candles_file(tmp_path / "nope.csv")
    bad = m.copy()
    bad[7, 5] = -1
    _write_csv(tmp_path / "neg.csv", bad)
    with pytest.raises(CandleValidationError, match=r"neg.csv: row 7 \(line 9\): volume -1.0 is negative"):
        import_file(tmp_path / "neg.csv", "Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb")
    dup = np.insert(m, 3, m[3], axis=0)
    _write_csv(tmp_path / "dup.csv", dup)
    with pytest.raises(CandleValidationError, match=r"row 4 \(line 6\): timestamp .* \(duplicate\)"):
        import_file(tmp_path / "dup.csv", "Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb")


def test_columns_are_checked_in_place_with_the_same_errors(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    m = synthetic_market(days=1, seed=8)
    close = pa.array(m[:, 2].tolist()[:40] + [None] + m[:, 2].tolist()[41:])
    pq.write_table(pa.table({"timestamp": m[:, 0].astype(np.int64), "open": m[:, 1], "high": m[:, 3],
                             "low": m[:, 4], "close": close, "volume": m[:, 5]}), tmp_path / "null.parquet")
    with pytest.raises(CandleFileError, match=r"null.parquet: row 40: close is empty"):
        import_file(tmp_path / "null.parquet", "Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb")
    bad = m.copy()
    bad[[5, 9], 1] = np.inf  # open is checked before the other columns of a row; the earliest row wins
    bad[9, 4] = -np.inf
    _write_csv(tmp_path / "inf.csv", bad)
    with pytest.raises(CandleValidationError, match=r"inf.csv: row 5 \(line 7\): open is inf"):
        import_file(tmp_path / "inf.csv", "Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb")
    (tmp_path / "empty.csv").write_text(HEADER)
    with pytest.raises(CandleFileError, match=r"empty.csv: no candle rows \(only a header\)"):
        import_file(tmp_path / "empty.csv", "Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb")
    # nothing was stored by the refused imports; a good file stores exactly what read_candles_file returns
    _write_csv(tmp_path / "ok.csv", m)
    assert import_file(tmp_path / "ok.csv", "Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb").rows_added == len(m)
    assert np.array_equal(load_candles("Sandbox", "BTC-USDT", db=tmp_path / "s.duckdb"),
                          read_candles_file(tmp_path / "ok.csv")[0])


def test_implausible_prices_and_timestamps_are_refused_naming_file_row_and_field(tmp_path):
    from jesse_dag.store import store_candles

    m = synthetic_market(days=1, seed=7)
    db = tmp_path / "s.duckdb"
    for col, value, field in ((1, -5.0, "open"), (2, 0.0, "close")):
        bad = m.copy()
        bad[12, col] = value
        bad[12, 4] = min(bad[12, 4], value)  # keep low <= min(open, close): only the price itself is wrong
        _write_csv(tmp_path / "bad.csv", bad)
        with pytest.raises(CandleValidationError, match=rf"bad.csv: row 12 \(line 14\): {field} is {value} "
                                                        r"\(prices must be above zero"):
            import_file(tmp_path / "bad.csv", "Sandbox", "BTC-USDT", db=db)
        with pytest.raises(CandleValidationError, match=rf"row 12: (low|{field}) is -?\d"):
            store_candles(bad, "Sandbox", "BTC-USDT", db=db)
    # "s" given for a millisecond file: every row would land tens of thousands of years ahead
    _write_csv(tmp_path / "ms.csv", m)
    with pytest.raises(CandleValidationError, match=r"ms.csv: row 0 \(line 2\): timestamp 1609459200000000 is in the "
                                                    r"year 5\d\d\d\d, outside 2009 .. 2099 UTC.*timestamp_unit"):
        import_file(tmp_path / "ms.csv", "Sandbox", "BTC-USDT", db=db, timestamp_unit="s")
    early = m.copy()
    early[:, 0] -= early[0, 0]  # 1970
    with pytest.raises(CandleValidationError, match="row 0: timestamp 0 is in the year 1970"):
        store_candles(early, "Sandbox", "BTC-USDT", db=db)
    assert import_file(tmp_path / "ms.csv", "Sandbox", "BTC-USDT", db=db).rows_added == 1440  # nothing refused was stored
