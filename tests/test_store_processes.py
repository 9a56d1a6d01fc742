"""Two real processes on one store file: a SIGKILLed import, and a reader next to a writer."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.store import load_candles
from jesse_dag.store.importing import import_file

DAYS = 12


def _csv(path, m):
    with open(path, "w") as fh:
        fh.write("timestamp,open,high,low,close,volume\n")
        for t, o, c, h, l, v in m:
            fh.write(",".join([str(int(t))] + [repr(float(x)) for x in (o, h, l, c, v)]) + "\n")


def _child(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkill_mid_import_keeps_committed_rows_and_the_next_import_completes(tmp_path):
    m = synthetic_market(days=DAYS, seed=21)
    src, db = tmp_path / "m.csv", tmp_path / "s.duckdb"
    _csv(src, m)
    child = _child(f"""
        import time
        from jesse_dag.store.importing import import_file
        def committed(report):
            print(report.rows_added, flush=True)
            time.sleep(0.3)
        import_file({str(src)!r}, "Sandbox", "BTC-USDT", db={str(db)!r}, commit_every=1440, on_commit=committed)
        print("done", flush=True)
    """)
    seen = 0
    while seen < 3 * 1440:
        line = child.stdout.readline()
        assert line, child.stderr.read()
        seen = int(line)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    stored = load_candles("Sandbox", "BTC-USDT", db=db)
    assert 3 * 1440 <= len(stored) < len(m) and len(stored) % 1440 == 0  # whole committed chunks only
    assert np.array_equal(stored, m[: len(stored)])
    report = import_file(src, "Sandbox", "BTC-USDT", db=db)
    assert report.rows_present == len(stored) and report.rows_added == len(m) - len(stored)
    assert np.array_equal(load_candles("Sandbox", "BTC-USDT", db=db), m)


@pytest.mark.slow
def test_reader_sees_complete_imports_or_waits_while_another_process_writes(tmp_path):
    m = synthetic_market(days=DAYS, seed=22)
    np.save(tmp_path / "m.npy", m)
    db = tmp_path / "s.duckdb"
    from jesse_dag.store import store_candles

    store_candles(m[:1440], "Sandbox", "BTC-USDT", db=db)
    writer = _child(f"""
        import numpy as np
        from jesse_dag.store import store_candles
        m = np.load({str(tmp_path / 'm.npy')!r})
        for day in range(1, {DAYS}):
            store_candles(m[day * 1440:(day + 1) * 1440], "Sandbox", "BTC-USDT", db={str(db)!r})
        print("done", flush=True)
    """)
    reads = []
    while writer.poll() is None:
        got = load_candles("Sandbox", "BTC-USDT", db=db, lock_timeout=60)
        assert len(got) % 1440 == 0, "a half-imported day was visible"
        assert np.array_equal(got, m[: len(got)])
        reads.append(len(got))
    assert writer.returncode == 0, writer.stderr.read()
    assert np.array_equal(load_candles("Sandbox", "BTC-USDT", db=db), m)
    assert reads and reads == sorted(reads)


@pytest.mark.slow
def test_processes_each_with_threads_importing_into_one_new_store_all_succeed(tmp_path):
    db = tmp_path / "s.duckdb"
    children = [_child(f"""
        import threading
        from jesse_dag.candles.synthetic import synthetic_market
        from jesse_dag.store import store_candles
        from jesse_dag.store.ml import record_deployment
        m = synthetic_market(days=1, seed={p})
        errors = []
        def work(i):
            try:
                store_candles(m, "Sandbox", "P{p}T%d-USDT" % i, db={str(db)!r}, lock_timeout=120)
                record_deployment("S", "P{p}T%d" % i, db={str(db)!r}, lock_timeout=120)
            except BaseException as exc:
                errors.append(repr(exc))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print(errors, flush=True)
    """) for p in range(3)]
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert out.strip() == "[]", out
    from jesse_dag.store import list_markets
    from jesse_dag.store.ml import deployments

    assert sorted(k.symbol for k in list_markets(db)) == sorted(f"P{p}T{i}-USDT" for p in range(3) for i in range(4))
    for p in range(3):
        assert np.array_equal(load_candles("Sandbox", f"P{p}T0-USDT", db=db), synthetic_market(days=1, seed=p))
    assert [d["sequence"] for d in deployments(db=db)] == list(range(1, 13))
