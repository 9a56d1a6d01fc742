"""Walk-forward evaluation: the steps' windows, leak-free training sets read back from the saved bundles,
the same result serially and in parallel, the stitching, the project.yaml section, the report and the asset."""
from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
import yaml

from jesse_dag.candles.columns import ONE_DAY_MS
from jesse_dag.ml.bundle import load_ml_model
from jesse_dag.project import ProjectFileError, load_project, parse_project
from jesse_dag.research import pipeline as steps
from jesse_dag.research import walk_forward as wf

PROJECT_DIR = Path(__file__).resolve().parents[1]
STRATEGY = "MLFilteredEntries"
DAY_S = 86_400
MARKET = {"exchange": "Synthetic", "symbol": "BTC-USDT", "start": "2024-01-01",
          "source": {"kind": "synthetic", "seed": 7, "days": 28, "planted_signal": True, "signal_strength": 0.15}}
WALK = {"training": "10d", "step": "5d", "embargo": "1d"}


def pipeline_settings(**walk) -> dict:
    return {"market": "synth", "strategy": STRATEGY, "timeframe": "15m", "warmup_bars": 48,
            "config": {"fee": 0.0, "type": "futures", "futures_leverage": 1},
            "training": {"start": "2024-01-02", "end": "2024-01-20"},
            "evaluation": {"start": "2024-01-22", "end": "2024-02-05"}, "embargo": "1d", "task": "binary",
            "estimator": {"class": "sklearn.linear_model.LogisticRegression", "params": {"max_iter": 500}},
            "validation": {"n_splits": 3, "embargo": "1h"}, "gate": {"roc_auc": 0.0}, "deploy_threshold": 0.55,
            "min_samples": 100, "walk_forward": {**WALK, **walk}}


def make_project(tmp_path: Path, **walk) -> Path:
    shutil.copytree(PROJECT_DIR / "strategies" / STRATEGY, tmp_path / "strategies" / STRATEGY,
                    ignore=shutil.ignore_patterns("models", "ml_data", "*.pkl", "bundle.json", "__pycache__"))
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump({"markets": {"synth": MARKET}, "pipelines": {"wf": pipeline_settings(**walk)}}))
    return path


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    """One walk-forward over the 40-day market, in order (n_jobs 1)."""
    tmp = tmp_path_factory.mktemp("wf")
    project = load_project(make_project(tmp))
    p = project.pipelines["wf"]
    market = project.markets[p.market]
    candles = steps.market_source_candles(market, tmp)
    settings = wf.WalkForwardSettings.from_mapping(p.walk_forward)
    err = io.StringIO()  # with progress (plain lines: not a terminal); the parallel run below goes without
    with contextlib.redirect_stderr(err):
        result = wf.run_walk_forward(p, market, candles, settings, project_dir=tmp, bundles_dir=tmp / "bundles",
                                     progress=True)
    return {"tmp": tmp, "pipeline": p, "market": market, "candles": candles, "settings": settings, "result": result,
            "stderr": err.getvalue()}


def test_progress_shows_the_gather_days_then_every_fit_and_step_backtest(serial_run):
    n = len(serial_run["result"]["steps"])
    tasks = n + 3 * n - 1  # a fit per step, three variants per step, the fixed model's first step traded once
    err = serial_run["stderr"]
    assert re.search(r"^gather \w+: [\d.]+/[\d.]+ days \(100%\)", err, re.M), err
    assert f"walk-forward wf: 1/{tasks} tasks" in err and f"walk-forward wf: {tasks}/{tasks} tasks (100%)" in err
    assert "walk-forward wf: done in" in err


def test_steps_start_after_a_whole_training_window_and_embargo_and_tile_the_rest():
    settings = wf.WalkForwardSettings(training=14 * DAY_S, step=7 * DAY_S)
    plan = wf.plan_steps(0, 40 * ONE_DAY_MS, settings, embargo=DAY_S, warmup_ms=12 * 3_600_000)
    # warm-up half a day + 14 days + 1 day = day 15.5: the first midnight after it is day 16
    assert [(s.start_ms // ONE_DAY_MS, s.end_ms // ONE_DAY_MS) for s in plan] == [(16, 23), (23, 30), (30, 37),
                                                                                 (37, 40)]
    assert all(s.train_end_ms == s.start_ms - ONE_DAY_MS and s.train_start_ms == s.train_end_ms - 14 * ONE_DAY_MS
               for s in plan)
    with pytest.raises(ValueError, match="start on 1970-01-17 or later"):
        wf.plan_steps(0, 40 * ONE_DAY_MS, wf.WalkForwardSettings(training=14 * DAY_S, step=7 * DAY_S,
                                                                 start="1970-01-10"), embargo=DAY_S,
                      warmup_ms=12 * 3_600_000)


def test_a_label_decided_at_the_steps_start_minus_the_embargo_is_left_out():
    step = wf.Step(0, start_ms=20 * ONE_DAY_MS, end_ms=27 * ONE_DAY_MS, train_start_ms=5 * ONE_DAY_MS,
                   train_end_ms=19 * ONE_DAY_MS)
    pts = [{"time": 5 * DAY_S - 900, "label_time": 6 * DAY_S},  # features before the window
           {"time": 5 * DAY_S, "label_time": 6 * DAY_S},  # kept
           {"time": 18 * DAY_S, "label_time": 19 * DAY_S - 1},  # kept: one second before the cut
           {"time": 18 * DAY_S, "label_time": 19 * DAY_S}]  # at the cut: left out
    assert wf.training_samples(pts, step) == pts[1:3]


def test_no_steps_model_saw_a_label_at_or_after_its_start_minus_the_embargo(serial_run):
    result, p = serial_run["result"], serial_run["pipeline"]
    embargo_ms = 1 * ONE_DAY_MS
    points = wf.gather_history(p, serial_run["market"], serial_run["candles"], result["steps"][-1]["train_end_ms"],
                               project_dir=serial_run["tmp"])
    assert len(result["steps"]) >= 3
    for row in result["steps"]:
        # what the model saw, read back from its saved bundle, not from the code that chose the samples
        manifest = load_ml_model(row["bundle_dir"])["manifest"]
        window = manifest["training_window"]
        assert window["last_label_time"] * 1000 < row["trade_start_ms"] - embargo_ms, row
        assert window["first_time"] * 1000 >= row["train_end_ms"] - 10 * ONE_DAY_MS
        # and it saw every sample it was allowed to: the whole trailing window
        allowed = [q for q in points if q["time"] * 1000 >= row["train_end_ms"] - 10 * ONE_DAY_MS
                   and q["label_time"] * 1000 < row["trade_start_ms"] - embargo_ms]
        assert manifest["data"]["n_samples"] == len(allowed) == row["samples"] > 50
        assert manifest["lineage"]["walk_forward_step"] == row["step"]
        assert manifest["lineage"]["step"]["train_end"] == row["train_end"]
    assert wf.check_leak_free(result) == []
    # a bundle that had seen a later label is caught
    bad = json.loads(json.dumps(result))
    bad["steps"][1]["train_end_ms"] = bad["steps"][0]["train_end_ms"]
    assert wf.check_leak_free(bad) and "step 2" in wf.check_leak_free(bad)[0]


def test_each_step_trades_with_its_own_model_and_the_fixed_model_is_the_first(serial_run):
    result = serial_run["result"]
    rows = result["steps"]
    assert len({r["samples_fingerprint"] for r in rows}) == len(rows)  # a different training set every step
    assert rows[0]["fixed_trades"] == rows[0]["walk_forward_trades"]
    assert [r["fixed_trades"] for r in rows] != [r["walk_forward_trades"] for r in rows]
    # the models filter: fewer trades than the baseline, which takes every signal
    assert sum(r["walk_forward_trades"] for r in rows) < sum(r["baseline_trades"] for r in rows)
    for v in wf.VARIANTS:
        run = result["runs"][v]
        assert len(run["trades"]) == sum(r[f"{v}_trades"] for r in rows) == result["summary"][v]["total"]
        assert [t["step"] for t in run["trades"]] == sorted(t["step"] for t in run["trades"])
        times = [t for t, _ in run["equity"]]
        assert times == sorted(set(times))
        assert times[0] * 1000 == rows[0]["trade_start_ms"]
        # the chained balance is the product of the steps' returns
        growth = np.prod([1 + r[f"{v}_net_profit_percentage"] / 100 for r in rows])
        assert run["equity"][-1][1] == pytest.approx(10_000 * growth, rel=1e-9)
        assert result["summary"][v]["net_profit_percentage"] == pytest.approx((growth - 1) * 100, rel=1e-9)


def test_stitching_scales_each_step_to_start_where_the_previous_ended():
    a = {"equity": [[0, 100.0], [DAY_S, 120.0]], "trades": [{"PNL": 20.0, "fee": 1.0, "qty": 1.0}],
         "starting_balance": 100.0}
    b = {"equity": [[DAY_S, 100.0], [2 * DAY_S, 90.0], [3 * DAY_S, 95.0]],
         "trades": [{"PNL": -10.0, "fee": 1.0, "qty": 2.0}, {"PNL": 5.0, "fee": 1.0, "qty": 2.0}],
         "starting_balance": 100.0}
    s = wf.stitch([a, b], 100.0)
    assert s["equity"] == [[0.0, 100.0], [DAY_S, 120.0], [2 * DAY_S, 108.0], [3 * DAY_S, 114.0]]
    assert [t["PNL"] for t in s["trades"]] == [20.0, -12.0, 6.0]
    m = s["metrics"]
    assert (m["total"], m["win_rate"], round(m["net_profit_percentage"], 9)) == (3, 2 / 3, 14.0)
    assert m["max_drawdown"] == pytest.approx((108 / 120 - 1) * 100)


@pytest.mark.slow
def test_parallel_steps_give_the_same_bytes_as_in_order(serial_run):
    s = serial_run
    stale = s["tmp"] / "bundles" / "step_09_2023-01-01"  # a step of an earlier plan: removed
    shutil.copytree(s["result"]["steps"][0]["bundle_dir"], stale)
    parallel = wf.run_walk_forward(s["pipeline"], s["market"], s["candles"],
                                   wf.WalkForwardSettings.from_mapping({**s["pipeline"].walk_forward, "n_jobs": 2}),
                                   project_dir=s["tmp"], bundles_dir=s["tmp"] / "bundles")
    assert json.dumps(parallel, sort_keys=True) == json.dumps(s["result"], sort_keys=True)
    assert not stale.exists()


def test_the_report_shows_the_three_stitched_runs(serial_run, tmp_path):
    from jesse_dag.reports.walk_forward_report import write_walk_forward_report

    html_path, json_path = write_walk_forward_report(serial_run["result"], tmp_path / "walk_forward.html")
    page = html_path.read_text()
    assert list(tmp_path.glob("plotly-*.min.js")) and "<script src=\"plotly-" in page  # shared plotly.js
    assert page.count('"type":"scatter"') >= 6  # equity and drawdown of each run
    for label in ("baseline (no model)", "fixed model", "walk-forward (re-trained each step)", "walk-forward-steps"):
        assert label in page
    data = json.loads(json_path.read_text())
    assert data["summary"] == json.loads(json.dumps(serial_run["result"]["summary"]))
    assert [r["samples"] for r in data["steps"]] == [r["samples"] for r in serial_run["result"]["steps"]]


def test_the_project_file_section(tmp_path):
    path = tmp_path / "project.yaml"
    data = {"markets": {"synth": MARKET}, "pipelines": {"wf": pipeline_settings()}}
    project = parse_project(data, path)
    assert project.pipelines["wf"].walk_forward == {"training": 10 * DAY_S, "step": 5 * DAY_S, "embargo": DAY_S,
                                                    "start": None, "end": None, "importance": False, "n_jobs": 1}
    # the walk-forward's settings do not make the pipeline's other assets stale
    other = parse_project({**data, "pipelines": {"wf": pipeline_settings(step="10d")}}, path)
    assert other.pipelines["wf"].fingerprint() == project.pipelines["wf"].fingerprint()
    cases = [({"stp": "7d"}, "walk_forward.stp: unknown key .* did you mean 'step'"),
             ({"step": "0d"}, "walk_forward.step: must be longer than 0"),
             ({"n_jobs": 0}, "walk_forward.n_jobs: 0 runs nothing"),
             ({"step": "7 days"}, "walk_forward.step: expected a duration such as 30m, 12h or 2d"),
             ({"start": "2024-03-01", "end": "2024-02-01"}, "walk_forward.end: 2024-02-01 is not after start")]
    for walk, message in cases:
        with pytest.raises(ProjectFileError, match=message):
            parse_project({**data, "pipelines": {"wf": pipeline_settings(**walk)}}, path)


def test_a_step_with_one_label_class_says_which_step_and_what_to_do(serial_run):
    p = serial_run["pipeline"]
    step = wf.Step(2, 20 * ONE_DAY_MS, 27 * ONE_DAY_MS, 5 * ONE_DAY_MS, 19 * ONE_DAY_MS)
    pts = [{"time": 6 * DAY_S + i * 900, "label_time": 6 * DAY_S + i * 900 + 3600, "features": {"a": float(i)},
            "label": {"name": "profitable", "value": True}} for i in range(20)]
    with pytest.raises(ValueError, match="step_03_1970-01-21 of pipeline wf .* one label .* lengthen"):
        wf.fit_step_bundle(p, pts, step, serial_run["tmp"] / "one-class")


@pytest.mark.slow
def test_the_asset_materialises_with_its_leak_check(tmp_path):
    from assets.definitions import build_definitions
    from assets.resources import ResearchStore
    from assets.candles import candles_key

    project = load_project(make_project(tmp_path))
    store = ResearchStore(db_path=str(tmp_path / "storage" / "test.duckdb"), project_dir=str(tmp_path))
    defs = build_definitions(project, resources={"store": store})
    instance = dg.DagsterInstance.ephemeral()
    market = project.markets["synth"]
    graph = defs.resolve_asset_graph()
    for part in graph.get(candles_key(market)).partitions_def.get_partition_keys():
        assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                              selection=[candles_key(market)], partition_key=part).success
    key = dg.AssetKey(["wf", "walk_forward"])
    result = dg.materialize(list(defs.assets), instance=instance, resources=defs.resources, selection=[key])
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [("leak_free", True)]
    # the progress as plain lines in the run's log (context.log), not on stderr
    messages = [e.user_message for e in instance.all_logs(result.run_id)]
    assert any(m.startswith("walk-forward wf: 1/") for m in messages)
    assert any(m.startswith("walk-forward wf: done in") for m in messages)
    meta = instance.get_latest_materialization_event(key).asset_materialization.metadata
    assert meta["steps"].value >= 3
    assert (tmp_path / "storage" / "reports" / "wf" / "walk_forward.html").is_file()
    assert sorted(p.name for p in (tmp_path / "storage" / "walk_forward" / "wf").iterdir())[0].startswith("step_01_")


def test_deploy_mode_scales_a_row_to_the_same_bits_as_the_scaler():
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    from jesse_dag.ml.recording import scale_row

    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 6)) * [1, 10, 100, 0.1, 1e-3, 5] + [0, 5, -50, 1, 0, 2]
    rows = rng.normal(size=(200, 1, 6)) * 3
    standard, minmax = StandardScaler().fit(X), MinMaxScaler().fit(X)
    for row in rows:
        assert scale_row(standard, row).tobytes() == standard.transform(row).tobytes()
        assert scale_row(minmax, row).tobytes() == minmax.transform(row).tobytes()  # any other scaler: its own
    with pytest.raises(ValueError, match="X has 5 features"):  # a wrong width still fails as scikit-learn does
        scale_row(standard, rows[0][:, :5])


def test_the_importance_report_is_optional_and_leaves_the_model_as_fitted_on_every_sample(serial_run, tmp_path):
    p, result = serial_run["pipeline"], serial_run["result"]
    row = result["steps"][0]
    step = wf.Step(0, row["trade_start_ms"], row["trade_start_ms"] + 5 * ONE_DAY_MS,
                   row["train_end_ms"] - 10 * ONE_DAY_MS, row["train_end_ms"])
    points = wf.gather_history(p, serial_run["market"], serial_run["candles"], step.train_end_ms,
                               project_dir=serial_run["tmp"])
    with_report = wf.fit_step_bundle(p, wf.training_samples(points, step), step, tmp_path / "with", importance=True)
    plain, reported = load_ml_model(row["bundle_dir"]), load_ml_model(with_report["bundle_dir"])
    assert plain["feature_importance"] == {} and set(reported["feature_importance"]["consensus_ranks"]) == set(
        reported["manifest"]["feature_names"])
    assert "roc_auc" in reported["manifest"]["metrics"] and with_report["samples"] == row["samples"]
    assert reported["model"].coef_.tobytes() == plain["model"].coef_.tobytes()
