"""A universe of markets in one pipeline (``markets:``): the project file, the splitter purged by time across
markets, and the asset graph over three small synthetic markets (per-market partitions, one pooled data set
with the market recorded, per-market and pooled reports)."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
import yaml

from assets.pipelines import UNIVERSE_STAGES
from jesse_dag.ml.validation import PurgedWalkForward
from jesse_dag.project import ProjectFileError, parse_project
from tests.test_assets_pipeline import PROJECT_DIR, STRATEGY, definitions, pipeline

MARKETS = {name: {"exchange": "Synthetic", "symbol": symbol, "start": "2024-01-01",
                  "source": {"kind": "synthetic", "seed": seed, "days": 31, "planted_signal": True,
                             "signal_strength": 0.15}}
           for name, symbol, seed in (("btc", "BTC-USDT", 7), ("eth", "ETH-USDT", 11), ("sol", "SOL-USDT", 23))}


def universe_pipeline(markets: list[str], **overrides) -> dict:
    p = pipeline(training={"start": "2024-01-02", "end": "2024-01-22"},
                 evaluation={"start": "2024-01-24", "end": "2024-01-31"}, min_samples=50, **overrides)
    p.pop("market"), p.pop("schedule")
    return {**p, "markets": markets}


def parse(pipelines: dict):
    return parse_project({"markets": MARKETS, "pipelines": pipelines}, Path("project.yaml"))


# ── project.yaml ────────────────────────────────────────────────────────────────────────────────────────


def test_markets_key_names_a_universe_and_one_market_stays_as_before():
    project = parse({"u": universe_pipeline(["eth", "btc", "sol"])})
    u = project.pipelines["u"]
    assert u.universe == ("eth", "btc", "sol") and u.pooled and u.market == "eth"
    one_listed = parse({"p": universe_pipeline(["btc"])}).pipelines["p"]
    single = parse({"p": {**{k: v for k, v in universe_pipeline(["btc"]).items() if k != "markets"},
                          "market": "btc"}}).pipelines["p"]
    # `markets: [btc]` is `market: btc`: the same settings, so the same code versions of every asset
    assert not one_listed.pooled and one_listed.universe == ("btc",) == single.universe
    assert one_listed.fingerprint() == single.fingerprint() != u.fingerprint()


@pytest.mark.parametrize("change, message", [
    ({"markets": ["btc", "etj"]},
     "pipelines.u.markets[1]: unknown market 'etj'; did you mean 'eth'? declared: btc, eth, sol"),
    ({"markets": ["btc", "btc"]}, "pipelines.u.markets[1]: market 'btc' is listed twice"),
    ({"markets": []}, "pipelines.u.markets: an empty list"),
    ({"market": "btc"},
     "pipelines.u: give `market: <name>` (one market) or `markets: [<name>, ...]` (several), not both"),
    ({"optimize": {"trials": 2}}, "pipelines.u.optimize: a hyperparameter search runs on one market"),
])
def test_a_bad_universe_is_refused_naming_the_key(change, message):
    with pytest.raises(ProjectFileError) as err:
        parse({"u": {**universe_pipeline(["btc", "eth"]), **change}})
    assert message in str(err.value)


def test_two_names_for_one_exchange_symbol_are_refused():
    markets = {**MARKETS, "btc2": MARKETS["btc"]}
    with pytest.raises(ProjectFileError, match="'btc' and 'btc2' are both Synthetic BTC-USDT"):
        parse_project({"markets": markets, "pipelines": {"u": universe_pipeline(["btc", "btc2"])}},
                      Path("project.yaml"))


# ── purged validation across markets ────────────────────────────────────────────────────────────────────


def pooled_points(n_markets: int = 3, bars: int = 400, seed: int = 0) -> list[dict]:
    """Every market has a sample on the same 15m candles, its label decided 1 to 16 bars later."""
    rng = np.random.default_rng(seed)
    points = []
    for m in range(n_markets):
        for i in range(bars):
            t = 1_704_067_200 + i * 900
            points.append({"time": t, "label_time": t + 900 * int(rng.integers(1, 17)),
                           "route": f"Synthetic-M{m}-USDT-15m", "features": {"x": float(rng.normal())},
                           "label": {"name": "y", "value": bool(rng.integers(2))}})
    return sorted(points, key=lambda p: p["time"])  # pooled in time order, as train_model orders them


def test_no_training_sample_of_any_market_overlaps_a_test_fold():
    points = pooled_points()
    embargo = 3_600
    # 1200 samples in 6 blocks of 200: row-count boundaries would fall inside a candle's three samples
    cv = PurgedWalkForward.from_points(points, n_splits=5, embargo=embargo)
    info, lab = np.asarray(cv.info_times), np.asarray(cv.label_times)
    folds = list(cv.split(np.zeros((len(points), 1))))
    assert len(folds) == 5
    routes = np.array([p["route"] for p in points])
    for train, test in folds:
        lo, hi = info[test].min() - embargo, lab[test].max() + embargo
        # the test span is one period for every market: no training label window of any market touches it
        assert not np.any((info[train] <= hi) & (lab[train] >= lo))
        # one candle's samples (one per market) are never split between training and test
        assert not set(info[train]) & set(info[test])
        # a test fold is a period: each of its candles with the samples of all three markets
        _times, per_time = np.unique(info[test], return_counts=True)
        assert set(per_time) == {3} and set(routes[test]) == set(routes)
        assert np.all(info[train] < info[test].min())


def test_a_single_market_splits_as_before():
    # unique times: the block boundaries of TimeSeriesSplit, unchanged
    info = np.arange(10) * 60
    cv = PurgedWalkForward(n_splits=2, embargo=0, info_times=info, label_times=info + 120)
    assert [(tr.tolist(), te.tolist()) for tr, te in cv.split(np.zeros((10, 1)))] == [
        ([0, 1], [4, 5, 6]), ([0, 1, 2, 3, 4], [7, 8, 9])]


# ── the asset graph over three markets ──────────────────────────────────────────────────────────────────


def make_universe_project(tmp: Path, markets: tuple[str, ...] = ("btc", "eth", "sol"), **overrides) -> Path:
    shutil.copytree(PROJECT_DIR / "strategies" / STRATEGY, tmp / "strategies" / STRATEGY,
                    ignore=shutil.ignore_patterns("models", "ml_data", "*.pkl", "bundle.json", "__pycache__"))
    p = {**universe_pipeline(list(markets), walk_forward={"training": "10d", "step": "5d", "embargo": "1d"}),
         **overrides}
    path = tmp / "project.yaml"
    path.write_text(yaml.safe_dump({"markets": MARKETS, "pipelines": {"u": p}}))
    return path


def materialise(defs: dg.Definitions, instance: dg.DagsterInstance, keys: list[str], partition: str | None = None):
    result = dg.materialize(list(defs.assets), instance=instance, resources=defs.resources, partition_key=partition,
                            selection=[dg.AssetKey(k.split("/")) for k in keys])
    assert result.success
    return result


@pytest.fixture(scope="module")
def universe(tmp_path_factory):
    """Three markets: candles, then per market its windows and samples, the pooled model, per market its
    backtests and walk-forward, then the pooled reports (the order a backfill and a run take)."""
    tmp = tmp_path_factory.mktemp("universe")
    defs = definitions(make_universe_project(tmp))
    instance = dg.DagsterInstance.ephemeral()
    names = list(MARKETS)
    for m in names:
        materialise(defs, instance, [f"market/{m}/candles"], "2024-01-01")
    stage = {name: [f"u/{step}" for step in steps] for name, steps in UNIVERSE_STAGES.items()}
    for m in names:
        materialise(defs, instance, stage["gather_markets"], m)
    pooled = materialise(defs, instance, stage["train_pooled"])
    backtests = {m: materialise(defs, instance, stage["backtest_markets"], m) for m in names}
    reports = materialise(defs, instance, stage["report_pooled"])
    return tmp, defs, instance, pooled, backtests, reports


@pytest.mark.slow
def test_gathering_and_backtests_run_per_market_partition(universe):
    tmp, defs, instance, *_ = universe
    graph = defs.resolve_asset_graph()
    for name in ("training_trading_candles", "market_samples", "baseline_backtest", "deployed_backtest",
                 "walk_forward"):
        key = dg.AssetKey(["u", name])
        assert graph.get(key).partitions_def.get_partition_keys() == ["btc", "eth", "sol"]
        assert instance.get_materialized_partitions(key) == {"btc", "eth", "sol"}
    for name in ("ml_samples", "model_bundle", "deployed_model", "comparison_report", "walk_forward_pooled"):
        assert graph.get(dg.AssetKey(["u", name])).partitions_def is None
    # a job per stage, each per market or pooled (no job mixes the two, or the markets' months)
    stages = {"u__gather_markets": ["btc", "eth", "sol"], "u__train_pooled": None,
              "u__backtest_markets": ["btc", "eth", "sol"], "u__report_pooled": None}
    for name, partitions in stages.items():
        job = defs.resolve_job_def(name)
        assert (job.partitions_def and job.partitions_def.get_partition_keys()) == partitions


@pytest.mark.slow
def test_the_pooled_data_set_records_each_sample_market(universe):
    from jesse_dag.ml.csv_io import load_ml_data_csv, sidecar_path
    from jesse_dag.store.ml import list_datasets

    tmp, defs, instance, pooled, backtests, reports = universe
    samples = pooled.output_for_node("u__ml_samples")
    per_market = {m: samples["markets"][m]["samples"] for m in MARKETS}
    assert all(n > 50 for n in per_market.values()) and samples["count"] == sum(per_market.values())
    routes = {f"Synthetic-{MARKETS[m]['symbol']}-15m" for m in MARKETS}
    # the CSV is Jesse's (no market column, which Jesse's loader would read as a feature) ...
    csv = Path(samples["csv_path"])
    header = csv.read_text().splitlines()[0].split(",")
    assert header[:3] == ["time", "label_name", "label_value"] and not {"market", "route", "label_time"} & set(header)
    # ... the sidecar names each row's market (its route), and reading both gives every market's samples back
    side = sidecar_path(csv).read_text().splitlines()
    assert side[1] == "time,label_time,route" and {row.rsplit(",", 1)[1] for row in side[2:]} == routes
    loaded = load_ml_data_csv(csv)
    route_of = {m: f"Synthetic-{MARKETS[m]['symbol']}-15m" for m in MARKETS}
    assert {m: sum(p["route"] == route_of[m] for p in loaded) for m in MARKETS} == per_market
    # the store holds each market's data set and the pooled one, with their routes
    stored = {d["dataset_id"]: d for d in list_datasets(db=str(tmp / "storage" / "test.duckdb"))}
    assert set(stored[samples["dataset_id"]]["routes"]) == routes
    assert stored[samples["dataset_id"]]["count"] == samples["count"]
    for m in MARKETS:
        assert stored[samples["markets"][m]["dataset_id"]]["routes"] == [f"Synthetic-{MARKETS[m]['symbol']}-15m"]
    # one model over the pool, validated on folds that are purged by time across the markets
    bundle = pooled.output_for_node("u__model_bundle")
    split = bundle["report"]["train_test_info"]
    assert split["train_size"] + split["test_size"] == samples["count"]
    assert len(bundle["folds"]) >= 1
    event = instance.get_latest_materialization_event(dg.AssetKey(["u", "ml_samples"]))
    assert event.asset_materialization.metadata["samples_per_market"].value == per_market


@pytest.mark.slow
def test_reports_per_market_and_pooled(universe):
    tmp, defs, instance, pooled, backtests, reports = universe
    comparison = reports.output_for_node("u__comparison_report")
    payload = json.loads(Path(comparison["json"]).read_text())
    for m in MARKETS:
        assert Path(comparison["markets"][m]["html"]).is_file()
        baseline = backtests[m].output_for_node("u__baseline_backtest")["metrics"]
        assert payload["per_market"][m]["baseline"]["total"] == baseline["total"] > 0
    for run in ("baseline", "deployed"):
        runs = [backtests[m].output_for_node(f"u__{run}_backtest")["metrics"] for m in MARKETS]
        assert payload["pooled"][run]["total"] == sum(r["total"] for r in runs)
        assert payload["pooled"][run]["net_profit"] == pytest.approx(sum(r["net_profit"] for r in runs))
    assert "| pooled | baseline |" in comparison["markdown"]
    wf = reports.output_for_node("u__walk_forward_pooled")
    per_market = [backtests[m].output_for_node("u__walk_forward")["summary"] for m in MARKETS]
    for variant in ("baseline", "fixed", "walk_forward"):
        assert wf["pooled"][variant]["total"] == sum(s[variant]["total"] for s in per_market)
        assert wf["pooled"][variant]["net_profit"] == pytest.approx(sum(s[variant]["net_profit"] for s in per_market))
    assert (tmp / "storage" / "reports" / "u" / "walk_forward_sol.html").is_file()
    assert (tmp / "storage" / "walk_forward" / "u" / "eth").is_dir()


def partition_data_versions(instance: dg.DagsterInstance, key: list[str]) -> dict[str, str]:
    out = {}
    for m in MARKETS:
        (record,) = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(key), asset_partitions=[m]), limit=1).records
        out[m] = record.asset_materialization.tags["dagster/data_version"]
    return out


RUN_ONE_MARKET = """
import sys
import dagster as dg
from tests.dagster_jobs import universe_markets_job
instance = dg.DagsterInstance.from_config(sys.argv[1])
with dg.execute_job(dg.reconstructable(universe_markets_job), instance=instance,
                    tags={"dagster/partition": sys.argv[2]}) as result:
    sys.exit(0 if result.success else 1)
"""


@pytest.mark.slow
def test_markets_gathered_by_side_by_side_runs_match_one_by_one(universe, tmp_path, monkeypatch):
    """One run per market, all launched at once (each on the multiprocess executor, one persistent instance,
    the DuckDB pool at one slot), gives every market the samples of the one-by-one runs above."""
    import os
    import subprocess
    import sys

    project_file = make_universe_project(tmp_path)
    defs = definitions(project_file)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("concurrency:\n  pools:\n    default_limit: 1\ntelemetry:\n  enabled: false\n")
    env = {**os.environ, "JESSE_DAG_TEST_PROJECT": str(project_file), "PYTHONPATH": str(PROJECT_DIR)}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for m in MARKETS:
            materialise(defs, instance, [f"market/{m}/candles"], "2024-01-01")
        runs = [subprocess.Popen([sys.executable, "-c", RUN_ONE_MARKET, str(home), m], cwd=PROJECT_DIR, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for m in MARKETS]
        outputs = [r.communicate(timeout=600)[0].decode(errors="replace") for r in runs]
        assert [r.returncode for r in runs] == [0] * len(MARKETS), "\n".join(o[-2000:] for o in outputs)
        _tmp, _defs, serial, *_ = universe
        key = ["u", "market_samples"]
        assert partition_data_versions(instance, key) == partition_data_versions(serial, key)
    assert "StoreLockedError" not in "".join(outputs)


def test_moving_windows_of_a_universe_end_where_every_market_has_candles(tmp_path):
    from jesse_dag.research import pipeline as steps

    markets = {"btc": MARKETS["btc"], "eth": {**MARKETS["eth"], "source": {**MARKETS["eth"]["source"], "days": 20}}}
    p = {**universe_pipeline(["btc", "eth"]), "training": {"length": "8d"}, "evaluation": {"length": "3d"},
         "anchor": "latest_candle"}
    project = parse_project({"markets": markets, "pipelines": {"u": p}}, Path("project.yaml"))
    db = tmp_path / "store.duckdb"
    for m in project.markets.values():
        steps.import_market_month(m, "2024-01-01", db_path=db, project_dir=tmp_path)
    universe = [project.markets[m] for m in ("btc", "eth")]
    resolved, info = steps.resolve_universe(project.pipelines["u"], universe, None, db_path=db)
    # eth's candles end on 2024-01-20: one evaluation window for both, ending there
    assert (resolved.evaluation.start, resolved.evaluation.end) == ("2024-01-18", "2024-01-21")
    assert (resolved.training.start, resolved.training.end) == ("2024-01-09", "2024-01-17")
    assert info["anchor_from"] == "latest complete candle stored in every market"
    with pytest.raises(ValueError, match="the stored candles of eth end at 2024-01-20 23:59"):
        steps.resolve_universe(project.pipelines["u"], universe, "2024-01-28T00:00:00+00:00", db_path=db)


@pytest.mark.slow
def test_make_demo_refreshes_a_universe_in_stages_then_finds_nothing_new(universe, tmp_path, capsys):
    from assets.demo import print_universe_comparison, refresh
    from jesse_dag.project import load_project

    _tmp, defs, instance, *_ = universe
    project = load_project(_tmp / "project.yaml")
    again = refresh(defs, project, instance, say=lambda _line: None)
    assert again["success"] and not again["materialised"] and not again["imported"]
    # a fresh project: candles, then the stages in order, per market where they are partitioned
    fresh_defs = definitions(make_universe_project(tmp_path))
    lines: list[str] = []
    with dg.instance_for_test() as fresh:
        first = refresh(fresh_defs, load_project(tmp_path / "project.yaml"), fresh, say=lines.append)
        assert first["success"] and len(first["imported"]) == 3
        assert [line.strip() for line in lines if line.startswith("  ")] == [
            "gather_markets [btc]", "gather_markets [eth]", "gather_markets [sol]", "train_pooled",
            "backtest_markets [btc]", "backtest_markets [eth]", "backtest_markets [sol]", "report_pooled"]
        assert "u/walk_forward_pooled" in first["materialised"]["u"]
    print_universe_comparison(json.loads((tmp_path / "storage" / "reports" / "u" / "comparison.json").read_text()))
    out = capsys.readouterr().out
    assert "over 3 markets" in out and "pooled" in out and "sol" in out


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc).timestamp()


@pytest.mark.slow
def test_the_schedule_runs_a_universe_stage_after_stage_at_each_tick(tmp_path):
    """The universe's schedule sensor, evaluated as the daemon would: the first tick imports each market's
    month, then each stage starts once the runs of the one before succeeded; the next evaluation of a later
    tick before any new cron time starts nothing; the runs carry the tick and stage."""
    from assets.universe import STAGE_TAG, advance
    from jesse_dag.project import load_project

    project_file = make_universe_project(tmp_path, schedule="0 3 * * 1")
    project = load_project(project_file)
    defs = definitions(project_file)
    (sensor,) = [s for s in defs.sensors if s.name == "u__schedule"]
    pipeline_u = project.pipelines["u"]
    with dg.instance_for_test() as instance:
        requests, cursor, note = advance(instance, pipeline_u, project, None, at("2024-01-29T00:00:00"))
        assert not requests and note.startswith("waiting for the first tick after 2024-01-29T00:00")
        requests, cursor, note = advance(instance, pipeline_u, project, cursor, at("2024-01-29T02:00:00"))
        assert not requests and note.startswith("no tick")
        stages, now = [], at("2024-01-29T04:00:00")
        while True:
            requests, cursor, note = advance(instance, pipeline_u, project, cursor, now)
            if not requests:
                break
            stages.append((requests[0].tags[STAGE_TAG], [r.partition_key for r in requests]))
            assert {r.tags["jesse_dag/universe_tick"] for r in requests} == {"2024-01-29T03:00:00+00:00"}
            # evaluated again before the stage's runs are done: nothing is requested twice
            again, cursor, waiting = advance(instance, pipeline_u, project, cursor, now)
            assert not again and waiting.endswith(f"0 of {len(requests)} runs done")
            for r in requests:
                assert defs.resolve_job_def(r.job_name).execute_in_process(
                    instance=instance, partition_key=r.partition_key, tags=r.tags).success
        assert note == "tick 2024-01-29T03:00:00+00:00: every stage done"
        markets = ["btc", "eth", "sol"]
        assert stages == [("import_candles", ["2024-01-01"] * 3), ("gather_markets", markets),
                          ("train_pooled", [None]), ("backtest_markets", markets), ("report_pooled", [None])]
        assert (tmp_path / "storage" / "reports" / "u" / "comparison.json").is_file()
        requests, cursor, note = advance(instance, pipeline_u, project, cursor, at("2024-01-30T00:00:00"))
        assert not requests and note.startswith("no tick")
        # the next Monday is past every market's data (31 days of January): skipped, saying why
        requests, cursor, note = advance(instance, pipeline_u, project, cursor, at("2024-02-05T04:00:00"))
        assert not requests and "ends before it" in note
        # the sensor itself (the daemon's call), at the real clock: every later tick is past the data
        context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
        skipped = sensor(context)
        assert isinstance(skipped, dg.SkipReason) and "ends before it" in skipped.skip_message
