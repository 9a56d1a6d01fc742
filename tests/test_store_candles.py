"""The DuckDB store: idempotent and atomic writes, conflicts, Jesse's get_candles, Parquet, schema versions."""
from __future__ import annotations

import duckdb
import numpy as np
import pytest

from jesse_dag.candles import VOLUME
from jesse_dag.candles.aggregate import group_by_clock
from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.candles.validate import CandleValidationError
from jesse_dag.store import (
    CandleNotFoundInDatabase,
    InvalidDateRange,
    StoreConflictError,
    StoreVersionError,
    connect,
    export_parquet,
    get_candles,
    list_markets,
    load_candles,
    read_parquet_candles,
    store_candles,
)
from jesse_dag.store import migrations

DAY = 86_400_000
START = 1_609_459_200_000  # 2021-01-01


@pytest.fixture(scope="module")
def market() -> np.ndarray:
    return synthetic_market(days=6, seed=3)


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "store.duckdb"


def test_round_trip_and_idempotence(db, market):
    first = store_candles(market, "Binance", "BTC-USDT", db=db)
    assert (first.rows_added, first.rows_present, first.gaps) == (len(market), 0, [])
    again = store_candles(market, "Binance", "BTC-USDT", db=db)
    assert (again.rows_added, again.rows_present, again.rows_conflicting) == (0, len(market), 0)
    assert np.array_equal(load_candles("Binance", "BTC-USDT", db=db), market)
    [info] = list_markets(db)
    assert (info.rows, info.first_timestamp, info.missing_minutes) == (len(market), START, 0)


def test_overlapping_ranges_keep_one_row_per_minute(db, market):
    store_candles(market[2000:6000], "Binance", "BTC-USDT", db=db)
    r = store_candles(market[:3000], "Binance", "BTC-USDT", db=db)  # inserted before the stored rows
    assert (r.rows_added, r.rows_present) == (2000, 1000)
    r = store_candles(market[5000:], "Binance", "BTC-USDT", db=db)
    assert (r.rows_added, r.rows_present) == (len(market) - 6000, 1000)
    assert np.array_equal(load_candles("Binance", "BTC-USDT", db=db), market)  # sorted on read


def test_conflicts_are_reported_not_overwritten(db, market):
    store_candles(market[:100], "Binance", "BTC-USDT", db=db)
    changed = market[50:150].copy()
    changed[10, VOLUME] += 1.0
    r = store_candles(changed, "Binance", "BTC-USDT", db=db)
    assert (r.rows_added, r.rows_present, r.rows_conflicting) == (50, 50, 1)
    ts, stored, incoming = r.conflicts[0]
    assert ts == market[60, 0] and stored[4] == market[60, VOLUME] and incoming[4] == market[60, VOLUME] + 1
    assert load_candles("Binance", "BTC-USDT", db=db)[60, VOLUME] == market[60, VOLUME]
    with pytest.raises(StoreConflictError, match="1 incoming minute"):
        store_candles(changed, "Binance", "BTC-USDT", db=db, on_conflict="error")


def test_conflict_error_with_commit_every_writes_nothing(db, market):
    store_candles(market[900:1000], "Binance", "BTC-USDT", db=db)
    changed = market[:1000].copy()
    changed[950, VOLUME] += 1.0  # in the last chunk; the chunks before it are all new rows
    commits = []
    with pytest.raises(StoreConflictError, match="1 incoming minute.*nothing was written"):
        store_candles(changed, "Binance", "BTC-USDT", db=db, on_conflict="error", commit_every=300,
                      on_commit=commits.append)
    assert commits == []
    assert np.array_equal(load_candles("Binance", "BTC-USDT", db=db), market[900:1000])
    r = store_candles(market[:1000], "Binance", "BTC-USDT", db=db, on_conflict="error", commit_every=300)
    assert (r.rows_added, r.rows_present) == (900, 100)


def test_bad_input_leaves_the_store_as_it_was(db, market):
    store_candles(market[:100], "Binance", "BTC-USDT", db=db)
    bad = market[100:300].copy()
    bad[150, 3] = bad[150, 4] - 1  # high below low
    with pytest.raises(CandleValidationError, match="row 150: high"):
        store_candles(bad, "Binance", "BTC-USDT", db=db)
    assert len(load_candles("Binance", "BTC-USDT", db=db)) == 100


def test_failure_inside_the_transaction_rolls_back(db, market, monkeypatch):
    store_candles(market[:100], "Binance", "BTC-USDT", db=db)
    import jesse_dag.store.candles as sc

    real = sc._write_chunk

    def broken(con, *args):
        real(con, *args)  # rows are inserted, then something fails before commit
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sc, "_write_chunk", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store_candles(market, "Binance", "BTC-USDT", db=db)
    monkeypatch.undo()
    assert len(load_candles("Binance", "BTC-USDT", db=db)) == 100
    with pytest.raises(CandleNotFoundInDatabase):
        # a market first created by the failed import does not exist either
        monkeypatch.setattr(sc, "_write_chunk", broken)
        try:
            store_candles(market, "Bybit", "BTC-USDT", db=db)
        except RuntimeError:
            pass
        monkeypatch.undo()
        load_candles("Bybit", "BTC-USDT", db=db)


def test_get_candles_jesse_ranges_and_shapes(db, market):
    store_candles(market, "Binance", "BTC-USDT", db=db)
    # mid-day start/finish are floored to days; the finish day is excluded
    warm, trade = get_candles("Binance", "BTC-USDT", "1m", START + 2 * DAY + 5_000_000, START + 4 * DAY + 123, db=db)
    assert warm is None and np.array_equal(trade, market[2 * 1440:4 * 1440])
    warm, trade = get_candles("Binance", "BTC-USDT", "1m", START + 2 * DAY, START + 4 * DAY, 30, db=db)
    assert np.array_equal(warm, market[2 * 1440 - 30:2 * 1440])
    warm, trade = get_candles("Binance", "BTC-USDT", "4h", START + 2 * DAY, START + 4 * DAY, 6, db=db)
    assert np.array_equal(trade, group_by_clock(market[2 * 1440:4 * 1440], "4h")) and len(trade) == 12
    assert np.array_equal(warm, group_by_clock(market[2 * 1440 - 6 * 240:2 * 1440], "4h")) and len(warm) == 6
    warm, trade = get_candles("Binance", "BTC-USDT", "15m", START + 2 * DAY, START + 4 * DAY, 10, is_for_jesse=True,
                              db=db)
    assert np.array_equal(warm, market[2 * 1440 - 150:2 * 1440]) and len(trade) == 2 * 1440
    cached = get_candles("Binance", "BTC-USDT", "1h", START + DAY, START + 3 * DAY, 5, caching=True, db=db)
    again = get_candles("Binance", "BTC-USDT", "1h", START + DAY, START + 3 * DAY, 5, caching=True, db=db)
    assert np.array_equal(cached[1], again[1]) and np.array_equal(cached[0], again[0])


def test_get_candles_errors(db, market):
    store_candles(market, "Binance", "BTC-USDT", db=db)
    with pytest.raises(CandleNotFoundInDatabase, match="no candles stored for ETH-USDT on Binance; stored markets: Binance BTC-USDT"):
        get_candles("Binance", "ETH-USDT", "1m", START, START + DAY, db=db)
    with pytest.raises(CandleNotFoundInDatabase, match="outside the stored data"):
        get_candles("Binance", "BTC-USDT", "1m", START + 3 * DAY, START + 9 * DAY, db=db)
    with pytest.raises(CandleNotFoundInDatabase, match="no candles between"):
        get_candles("Binance", "BTC-USDT", "1m", START + 30 * DAY, START + 31 * DAY, db=db)
    with pytest.raises(CandleNotFoundInDatabase, match="only 0 of 5 required completed 1h warmup"):
        get_candles("Binance", "BTC-USDT", "1h", START, START + DAY, 5, is_for_jesse=True, db=db)
    with pytest.raises(CandleNotFoundInDatabase, match=r"\(warmup\): no candles between"):
        get_candles("Binance", "BTC-USDT", "1h", START, START + DAY, 5, db=db)
    with pytest.raises(InvalidDateRange, match="must be at least one day after"):
        get_candles("Binance", "BTC-USDT", "1m", START + DAY, START + DAY + 1000, db=db)
    with pytest.raises(ValueError, match="unknown timeframe"):
        get_candles("Binance", "BTC-USDT", "7m", START, START + DAY, db=db)


def test_get_candles_gaps_refused_unless_allowed(db, market):
    holes = np.delete(market, [1500, 1501, 2000], axis=0)
    store_candles(holes, "Binance", "BTC-USDT", db=db)
    with pytest.raises(CandleNotFoundInDatabase, match=r"3 missing minute\(s\) in 2 gap\(s\).*2021-01-02 01:00"):
        get_candles("Binance", "BTC-USDT", "1m", START + DAY, START + 2 * DAY, db=db)
    _, trade = get_candles("Binance", "BTC-USDT", "1m", START + DAY, START + 2 * DAY, db=db, allow_gaps=True)
    assert len(trade) == 1440 - 3


def test_parquet_export_and_direct_read(db, market, tmp_path):
    store_candles(market, "Binance", "BTC-USDT", db=db)
    out = tmp_path / "pq" / "btc.parquet"
    assert export_parquet("Binance", "BTC-USDT", out, db=db) == len(market)
    assert np.array_equal(read_parquet_candles(out), market)
    part = read_parquet_candles(tmp_path / "pq" / "*.parquet", start=START + DAY, end=START + 2 * DAY - 60_000)
    assert np.array_equal(part, market[1440:2880])


def test_schema_version_upgrade_and_refusal(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrations._ensure_meta(con)
    con.close()  # a file at version 0 (created by an early build): upgraded on open
    with connect(path) as c:
        assert migrations.file_version(c) == migrations.latest_version()
        assert c.execute("SELECT count(*) FROM candles_1m").fetchall() == [(0,)]
    # a migration appended by a later issue is applied to existing files
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS))
    migrations.register_migration(migrations.Migration(
        migrations.latest_version() + 1, "test table", "CREATE TABLE ml_samples_test (x INTEGER)"))
    with connect(path, read_only=True) as c:
        assert c.execute("SELECT count(*) FROM ml_samples_test").fetchall() == [(0,)]
    newer = migrations.latest_version()
    monkeypatch.undo()
    with pytest.raises(StoreVersionError, match=f"schema version {newer} is newer than this jesse-dag understands"):
        with connect(path):
            pass
    with pytest.raises(ValueError, match="not the next one"):
        migrations.register_migration(migrations.Migration(1, "dup", "SELECT 1"))


def test_version_check_cached_per_file_state_still_refuses_a_newer_file(db, market):
    store_candles(market[:10], "Binance", "BTC-USDT", db=db)
    assert len(load_candles("Binance", "BTC-USDT", db=db)) == 10  # this state of the file is now remembered
    con = duckdb.connect(str(db))  # a newer jesse-dag migrates the file behind our back
    con.execute("INSERT INTO schema_version VALUES (?, 'from the future')", [migrations.latest_version() + 1])
    con.close()
    with pytest.raises(StoreVersionError, match="is newer than this jesse-dag understands"):
        load_candles("Binance", "BTC-USDT", db=db)


def test_on_conflict_replace_overwrites_differing_minutes_in_one_transaction(db, market, monkeypatch):
    store_candles(market[:200], "Binance", "BTC-USDT", db=db)
    incoming = market[100:300].copy()
    incoming[[10, 20], 1] += 0.5  # two stored minutes (close) differ; rows 100.. are new
    report = store_candles(incoming, "Binance", "BTC-USDT", db=db, on_conflict="replace")
    assert (report.rows_added, report.rows_present, report.rows_conflicting, report.rows_replaced) == (100, 100, 2, 2)
    assert [c[0] for c in report.conflicts] == [int(incoming[10, 0]), int(incoming[20, 0])]
    assert "2 conflicting (replaced by the incoming values)" in report.summary()
    assert np.array_equal(load_candles("Binance", "BTC-USDT", db=db), np.vstack([market[:100], incoming]))
    # a failure later in the same write leaves the stored values as they were (nothing replaced)
    import jesse_dag.store.candles as sc

    real = sc._write_chunk

    def broken(con, *args):
        real(con, *args)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sc, "_write_chunk", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store_candles(market[:300], "Binance", "BTC-USDT", db=db, on_conflict="replace")
    monkeypatch.undo()
    assert np.array_equal(load_candles("Binance", "BTC-USDT", db=db), np.vstack([market[:100], incoming]))
    with pytest.raises(ValueError, match="one of 'keep', 'replace', 'error'; got 'overwrite'"):
        store_candles(market, "Binance", "BTC-USDT", db=db, on_conflict="overwrite")
