"""research.optimize: finds a planted optimum, is deterministic with a seed, resumes after SIGKILL."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from jesse_dag import research
from jesse_dag.helpers import dna_to_hp
from jesse_dag.optimize import StudyLocked
from jesse_dag.optimize.search import _study_lock, resolve_storage
from tests.optimize_strategies.markets import as_candles_dict, config, peak_market, routes
from tests.optimize_strategies.run_study import inputs
from tests.optimize_strategies.strategies import LastMove, PeakHold

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def peak_inputs():
    return inputs()


def _run(args, **kw):
    base = dict(optimal_total=30, cpu_cores=1, trials=12, progress_bar=False, seed=0, storage=False)
    base.update(kw)
    return research.optimize(*args, **base)


def test_finds_the_planted_optimum_and_reports_both_periods(peak_inputs):
    out = _run(peak_inputs)
    assert out["completed_trials"] == out["total_trials"] == 24  # 12 trials x 2 hyperparameters
    best = out["best_trials"][0]
    assert best["params"] == {"hold": 8, "side": "long"}
    assert dna_to_hp([], best["dna"]) == best["params"]
    assert best["training_metrics"]["total"] >= 30 and best["testing_metrics"]["total"] >= 15
    assert best["testing_metrics"]["net_profit"] > 0
    # candidates are unique parameter sets, best first, each scored on training only
    dnas = [b["dna"] for b in out["best_trials"]]
    assert len(dnas) == len(set(dnas))
    scores = [b["score"] for b in out["best_trials"]]
    assert scores == sorted(scores, reverse=True)
    assert all(b["params"]["side"] == "long" for b in out["best_trials"])  # short loses: sentinel


def test_planted_optimum_is_real(peak_inputs):
    cfg, rts, drs, train, train_w = peak_inputs[:5]
    sharpe = {h: research.backtest(cfg, rts, drs, train, train_w, hyperparameters={"hold": h, "side": "long"},
                                   fast_mode=True)["metrics"]["sharpe_ratio"] for h in (7, 8, 9)}
    assert sharpe[8] > sharpe[7] and sharpe[8] > sharpe[9]


def test_same_seed_same_trials(peak_inputs, tmp_path):
    a = _run(peak_inputs, trials=2, storage=tmp_path / "a.db")
    b = _run(peak_inputs, trials=2, storage=tmp_path / "b.db")
    assert a["best_trials"] == b["best_trials"]
    sa = optuna.load_study(study_name=a["study_name"], storage=f"sqlite:///{tmp_path / 'a.db'}")
    sb = optuna.load_study(study_name=b["study_name"], storage=f"sqlite:///{tmp_path / 'b.db'}")
    assert [(t.params, t.value) for t in sa.trials] == [(t.params, t.value) for t in sb.trials]
    # a finished study run again does nothing new and returns the same answer
    again = _run(peak_inputs, trials=2, storage=tmp_path / "a.db")
    assert again["best_trials"] == a["best_trials"] and len(sa.trials) == 4


def _complete(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_sigkill_then_resume_keeps_finished_trials(tmp_path):
    db = tmp_path / "study.db"
    cmd = [sys.executable, "-m", "tests.optimize_strategies.run_study", str(db), "6"]  # 12 trials
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while _complete(db) < 3:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the study never reached 3 finished trials"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    storage = f"sqlite:///{db}"
    before = {t.number: (t.params, t.value) for t in optuna.load_study(study_name="kill-test", storage=storage).trials
              if t.state == optuna.trial.TrialState.COMPLETE}
    assert 3 <= len(before) < 12

    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    trials = optuna.load_study(study_name="kill-test", storage=storage).trials
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 12  # exactly what was asked for
    after = {t.number: (t.params, t.value) for t in complete}
    assert {n: after[n] for n in before} == before  # the finished trials kept, unchanged
    assert len(after) == len(complete)  # no trial recorded twice
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL]
    assert len(failed) <= 1 and len(trials) == 12 + len(failed)  # only the in-flight trial was lost


def test_other_inputs_cannot_reuse_a_study(peak_inputs, tmp_path):
    _run(peak_inputs, trials=1, storage=tmp_path / "s.db", study_name="mine")
    other = list(peak_inputs)
    other[0] = {**other[0], "fee": 0.001}
    with pytest.raises(ValueError, match="was made for other inputs"):
        _run(other, trials=1, storage=tmp_path / "s.db", study_name="mine")


def test_a_running_study_is_locked(tmp_path):
    _, path = resolve_storage(tmp_path / "l.db")
    with _study_lock(path, "x"):
        with pytest.raises(StudyLocked, match="being run by another process"):
            with _study_lock(path, "x"):
                pass


def test_bad_arguments_are_refused(peak_inputs):
    with pytest.raises(ValueError, match="routes is empty"):
        research.optimize(peak_inputs[0], [], [], *peak_inputs[3:], storage=False)
    with pytest.raises(ValueError, match="not one of"):
        _run(peak_inputs, objective_function="profit")
    with pytest.raises(ValueError, match="optimal_total"):
        _run(peak_inputs, optimal_total=1)
    no_hp = list(peak_inputs)
    no_hp[1] = routes(LastMove, "1h")
    with pytest.raises(ValueError, match=r"LastMove.hyperparameters\(\) is empty"):
        _run(no_hp)


def test_storage_default_is_under_storage_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url, path = resolve_storage(None)
    assert path == tmp_path / "storage" / "optuna" / "optimize.db" and url == f"sqlite:///{path}"


def test_run_pipeline_optimization_splits_windows_and_is_json(tmp_path):
    import json

    from jesse_dag.optimize import run_pipeline_optimization

    c = peak_market(30, bar_minutes=60, noise=0.002, seed=1)
    t0 = int(c[0, 0])
    day = 86_400_000
    summary = run_pipeline_optimization({"Sandbox-BTC-USDT": c}, strategy=PeakHold, timeframe="1h",
                                        warmup_bars=24, training=(t0 + day, t0 + 20 * day),
                                        testing=(t0 + 21 * day, t0 + 30 * day), config=config(), trials=2,
                                        optimal_total=20, seed=0, storage=tmp_path / "p.db")
    json.dumps(summary)
    assert summary["completed_trials"] == summary["total_trials"] == 4
    if summary["best"] is not None:
        assert summary["best"]["training_metrics"]["total"] >= 6
    with pytest.raises(ValueError, match="warm-up minutes are needed"):
        run_pipeline_optimization({"Sandbox-BTC-USDT": c}, strategy=PeakHold, timeframe="1h", warmup_bars=48,
                                  training=(t0 + day, t0 + 20 * day), testing=(t0 + 21 * day, t0 + 30 * day),
                                  config=config(), trials=1, storage=False)


@pytest.mark.slow
def test_different_studies_created_at_once_on_a_new_sqlite_file_all_open(tmp_path):
    db = tmp_path / "optuna" / "o.db"
    start = time.time() + 3.0  # the children import optuna first, then start together
    code = (
        "import sys, time, optuna\n"
        "from jesse_dag.optimize.search import open_storage, resolve_storage\n"
        "optuna.logging.set_verbosity(optuna.logging.WARNING)\n"
        f"arg, path = resolve_storage({str(db)!r})\n"
        f"while time.time() < {start}: time.sleep(0.001)\n"
        "optuna.create_study(storage=open_storage(arg, path), study_name=sys.argv[1], load_if_exists=True)\n"
        "print('ok')\n"
    )
    children = [subprocess.Popen([sys.executable, "-c", code, f"study-{i}"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for i in range(4)]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0 and out.strip() == "ok", err[-2000:]
    names = sorted(optuna.study.get_all_study_names(storage=f"sqlite:///{db}"))
    assert names == [f"study-{i}" for i in range(4)]
