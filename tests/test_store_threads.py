"""The store API called from several threads of one process, and errors that must not hide their cause."""
from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.store import StoreLockedError, connect, list_markets, load_candles, store_candles
from jesse_dag.store.connection import NotAStoreError, _gate
from jesse_dag.store.ml import deployments, record_deployment


def _run_threads(n: int, work) -> list[BaseException]:
    """Start ``n`` threads on ``work(i)`` together; return what they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_eight_threads_importing_into_a_new_store_all_succeed(tmp_path):
    db = tmp_path / "s.duckdb"
    m = synthetic_market(days=1, seed=5)
    errors = _run_threads(8, lambda i: store_candles(m, "Sandbox", f"C{i}-USDT", db=db))
    assert errors == []
    assert [k.symbol for k in list_markets(db)] == [f"C{i}-USDT" for i in range(8)]
    for i in range(8):
        assert np.array_equal(load_candles("Sandbox", f"C{i}-USDT", db=db), m)


def test_sixteen_threads_recording_deployments_get_distinct_sequences(tmp_path):
    db = tmp_path / "s.duckdb"
    errors = _run_threads(16, lambda i: record_deployment("S", f"S/v{i:04d}", db=db))
    assert errors == []
    got = deployments(db=db)
    assert [d["sequence"] for d in got] == list(range(1, 17))
    assert sorted(d["bundle_id"] for d in got) == [f"S/v{i:04d}" for i in range(16)]


def test_readers_next_to_writers_in_threads_see_whole_imports(tmp_path):
    db = tmp_path / "s.duckdb"
    m = synthetic_market(days=6, seed=6)
    store_candles(m[:1440], "Sandbox", "BTC-USDT", db=db)

    def work(i: int) -> None:
        if i % 2 == 0:  # writers: one day each
            day = i // 2 + 1
            store_candles(m[day * 1440:(day + 1) * 1440], "Sandbox", "BTC-USDT", db=db)
        else:
            for _ in range(5):
                got = load_candles("Sandbox", "BTC-USDT", db=db)
                assert len(got) % 1440 == 0, "a half-imported day was visible"

    assert _run_threads(10, work) == []
    assert np.array_equal(load_candles("Sandbox", "BTC-USDT", db=db), m)


def test_a_writer_waiting_past_the_lock_timeout_is_refused_clearly(tmp_path):
    db = tmp_path / "s.duckdb"
    with connect(db):  # this thread writes...
        errors = _run_threads(1, lambda i: store_candles(synthetic_market(days=1), "Sandbox", "BTC-USDT", db=db,
                                                         lock_timeout=0.2))
    assert len(errors) == 1 and isinstance(errors[0], StoreLockedError)
    assert "another thread of this process" in str(errors[0]) and "lock_timeout" in str(errors[0])


def test_a_write_inside_a_read_of_the_same_thread_is_refused_not_deadlocked(tmp_path):
    db = tmp_path / "s.duckdb"
    with connect(db, read_only=True):
        with pytest.raises(RuntimeError, match="inside a read"):
            store_candles(synthetic_market(days=1), "Sandbox", "BTC-USDT", db=db)
    assert not _gate(db.absolute())._readers  # the gate was left open


@pytest.mark.parametrize("content, what", [
    (None, "a SQLite database"), (b"", "an empty file"), (b"timestamp,open,high\n1,2,3\n", "a file starting with"),
])
def test_a_file_that_is_not_a_duckdb_store_is_refused_before_duckdb_opens_it(tmp_path, content, what):
    db = tmp_path / "s.duckdb"
    if content is None:
        sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
    else:
        db.write_bytes(content)
    before = db.read_bytes()
    for read_only in (False, True):
        with pytest.raises(NotAStoreError, match="is not a DuckDB store") as err:
            with connect(db, read_only=read_only):
                pass
        assert what in str(err.value) and str(db) in str(err.value) and "JESSE_DAG_DB" in str(err.value)
    assert db.read_bytes() == before


def test_a_failing_rollback_does_not_replace_the_error_that_caused_it(tmp_path, monkeypatch):
    import jesse_dag.store.candles as sc

    db = tmp_path / "s.duckdb"
    m = synthetic_market(days=1, seed=7)
    store_candles(m[:60], "Sandbox", "BTC-USDT", db=db)

    def full_disk(con, *args):
        con.close()  # the rollback that follows fails too ("connection already closed")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sc, "_write_chunk", full_disk)
    with pytest.raises(OSError, match="No space left on device") as err:
        store_candles(m, "Sandbox", "BTC-USDT", db=db)
    assert any("rollback" in note for note in getattr(err.value, "__notes__", []))

    def interrupted(con, *args):
        con.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(sc, "_write_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store_candles(m, "Sandbox", "BTC-USDT", db=db)
    monkeypatch.undo()
    assert len(load_candles("Sandbox", "BTC-USDT", db=db)) == 60


def test_a_child_forked_while_another_thread_holds_the_gate_does_not_inherit_it(tmp_path):
    import os
    import time

    db = (tmp_path / "s.duckdb").absolute()
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with _gate(db).hold(True, time.monotonic() + 10, db):
            holding.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    holding.wait(10)
    pid = os.fork()
    if pid == 0:  # the child has one thread: the parent's writer does not exist here
        code = 1
        try:
            with _gate(db).hold(True, time.monotonic() + 1, db):
                code = 0
        finally:
            os._exit(code)
    release.set()
    t.join()
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0


def test_a_store_file_being_created_by_another_process_is_waited_for_not_refused(tmp_path, monkeypatch):
    import jesse_dag.store.connection as sc

    db = tmp_path / "s.duckdb"
    db.write_bytes(b"")  # what another process's new store looks like before DuckDB writes its header
    real_connect, calls = sc.duckdb.connect, []

    def creating(path, read_only=False):
        calls.append(path)
        if len(calls) == 1:  # the creator still holds DuckDB's lock; then it has written the file
            db.unlink()
            real_connect(str(db)).close()
            raise sc.duckdb.IOException('Could not set lock on file "s.duckdb": Conflicting lock is held')
        return real_connect(path, read_only=read_only)

    monkeypatch.setattr(sc.duckdb, "connect", creating)
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM candles_1m").fetchall() == [(0,)]
    assert len(calls) == 2
