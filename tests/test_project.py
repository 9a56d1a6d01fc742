"""The project file: a valid file loads; every malformed field is refused naming the file and the field."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jesse_dag.project import ProjectFileError, load_project, parse_project

VALID = {
    "markets": {
        "synth": {
            "exchange": "Synthetic",
            "symbol": "BTC-USDT",
            "start": "2024-01-01",
            "source": {"kind": "synthetic", "seed": 1, "days": 60},
        }
    },
    "pipelines": {
        "p1": {
            "market": "synth",
            "strategy": "DemoMLStrategy",
            "timeframe": "15m",
            "warmup_bars": 96,
            "training": {"start": "2024-01-02", "end": "2024-02-01"},
            "evaluation": {"start": "2024-02-03", "end": "2024-03-01"},
            "embargo": "2d",
            "task": "binary",
            "estimator": {"class": "sklearn.linear_model.LogisticRegression", "params": {"C": 0.5}},
            "gate": {"roc_auc": 0.52},
            "schedule": "0 3 * * 1",
        }
    },
}


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_valid_project_loads(tmp_path):
    project = load_project(write(tmp_path, VALID))
    p = project.pipelines["p1"]
    assert p.timeframe == "15m" and p.warmup_bars == 96 and p.embargo_days == 2.0
    assert p.estimator["params"] == {"C": 0.5}
    assert p.training.end_ms - p.training.start_ms == 30 * 86_400_000
    assert project.markets["synth"].key == "Synthetic-BTC-USDT"
    assert len(p.fingerprint()) == 16


def test_fingerprint_changes_with_settings(tmp_path):
    a = load_project(write(tmp_path, VALID)).pipelines["p1"].fingerprint()
    changed = yaml.safe_load(yaml.safe_dump(VALID))
    changed["pipelines"]["p1"]["estimator"]["params"]["C"] = 1.0
    b = load_project(write(tmp_path, changed)).pipelines["p1"].fingerprint()
    assert a != b


def mutate(path_keys, value):
    data = yaml.safe_load(yaml.safe_dump(VALID))
    node = data
    for k in path_keys[:-1]:
        node = node[k]
    if value is KeyError:
        del node[path_keys[-1]]
    else:
        node[path_keys[-1]] = value
    return data


@pytest.mark.parametrize(
    "keys, value, message",
    [
        (["pipelines", "p1", "market"], "nope", "pipelines.p1.market: unknown market 'nope'"),
        (["pipelines", "p1", "timeframe"], "7m", "pipelines.p1.timeframe: unknown timeframe '7m'"),
        (["pipelines", "p1", "task"], "ranking", "pipelines.p1.task: input should be 'binary', 'multiclass' or 'regression', got 'ranking'"),
        (["pipelines", "p1", "strategy"], KeyError, "pipelines.p1.strategy: is required"),
        (["pipelines", "p1", "warmup_bars"], "many", "pipelines.p1.warmup_bars: input should be a valid integer, got 'many'"),
        (["pipelines", "p1", "estimator"], {"class": "LogisticRegression"}, "pipelines.p1.estimator.class"),
        (["pipelines", "p1", "training"], {"start": "2024-02-01", "end": "2024-01-01"}, "end 2024-01-01 is not after"),
        (["pipelines", "p1", "training"], {"start": "2024-13-01", "end": "2024-02-01"}, "training.start: expected a date"),
        (["pipelines", "p1", "evaluation"], {"start": "2024-02-02", "end": "2024-03-01"}, "not be out of sample"),
        (["pipelines", "p1", "schedule"], "daily", "pipelines.p1.schedule: expected a 5-field cron"),
        (["pipelines", "p1", "schedule"], "61 3 * * 1", "cron string such as '0 3 * * 1' (minute hour day month weekday), got '61 3 * * 1'"),
        (["pipelines", "p1", "data_routes"], ["4h", "9h"], "pipelines.p1.data_routes.1: unknown timeframe '9h'"),
        # typos and unknown keys were ignored (the default was used): now refused with a "did you mean"
        (["pipelines", "p1", "deploy_treshold"], 0.85, "pipelines.p1.deploy_treshold: unknown key (value 0.85); did you mean 'deploy_threshold'?"),
        (["markets", "synth", "source", "dayz"], 3, "markets.synth.source.dayz: unknown key (value 3); did you mean 'days'?"),
        (["pipelines", "p1", "validation"], {"n_split": 3}, "pipelines.p1.validation.n_split: unknown key (value 3); did you mean 'n_splits'?"),
        (["pipelines", "p1", "surprise"], 1, "pipelines.p1.surprise: unknown key (value 1); known keys: market, strategy"),
        # ranges
        (["pipelines", "p1", "embargo"], "-200d", "pipelines.p1.embargo: expected a duration such as 30m, 12h or 2d, got '-200d'"),
        (["pipelines", "p1", "warmup_bars"], -1, "pipelines.p1.warmup_bars: input should be greater than or equal to 0, got -1"),
        (["pipelines", "p1", "validation"], {"n_splits": 1}, "pipelines.p1.validation.n_splits: input should be greater than or equal to 2, got 1"),
        (["pipelines", "p1", "validation"], {"test_ratio": 1.5}, "pipelines.p1.validation.test_ratio: input should be less than 1, got 1.5"),
        (["pipelines", "p1", "validation"], {"importance": "quick"}, "pipelines.p1.validation.importance: input should be 'auto', 'exact' or 'fast', got 'quick'"),
        (["pipelines", "p1", "validation"], {"importance_max_samples": -1}, "pipelines.p1.validation.importance_max_samples: input should be greater than or equal to 0, got -1"),
        (["pipelines", "p1", "config"], {"futures_leverage": 1e9}, "pipelines.p1.config.futures_leverage: input should be less than or equal to 125"),
        (["pipelines", "p1", "config"], {"fe": 0.001}, "pipelines.p1.config.fe: unknown key (value 0.001); did you mean 'fee'?"),
        (["pipelines", "p1", "deploy_threshold"], 55, "pipelines.p1.deploy_threshold: a probability in [0, 1] for task 'binary', got 55"),
        (["pipelines", "p1", "gate"], {"auc": 0.5}, "pipelines.p1.gate.auc: not an out-of-sample metric of task 'binary' (did you mean 'roc_auc'?"),
        (["pipelines", "p1", "optimize"], {"trials": 0}, "pipelines.p1.optimize.trials: input should be greater than or equal to 1, got 0"),
        # paths stay in the project, names are safe
        (["markets", "synth", "source"], {"kind": "csv", "path": "../../etc/passwd"}, "markets.synth.source.path: expected a path inside the project folder (relative, without '..'), got '../../etc/passwd'"),
        (["markets", "synth", "source"], {"kind": "parquet", "path": "/etc/passwd"}, "markets.synth.source.path: expected a path inside the project folder"),
        (["pipelines", "p1", "strategy"], "../evil", "pipelines.p1.strategy: must be a strategy folder name"),
        (["markets", "synth", "exchange"], "Bin/ance", "markets.synth.exchange: must be letters, digits, spaces"),
        (["pipelines", "p1", "estimator"], {"class": "os.system; rm"}, "pipelines.p1.estimator.class: must be a dotted class path"),
        (["markets", "synth", "source"], {"kind": "ftp"}, "markets.synth.source: expected one of synthetic, csv, parquet, binance, got 'ftp'"),
        (["markets", "synth", "symbol"], 5, "markets.synth.symbol: input should be a valid string, got 5"),
    ],
)
def test_bad_field_is_named(tmp_path, keys, value, message):
    path = write(tmp_path, mutate(keys, value))
    with pytest.raises(ProjectFileError) as err:
        load_project(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_unsafe_market_or_pipeline_name_is_refused(tmp_path):
    data = mutate(["markets", "synth"], VALID["markets"]["synth"])
    data["markets"]["../x"] = data["markets"].pop("synth")
    with pytest.raises(ProjectFileError, match=r"markets: the name '\.\./x' must be letters, digits, '_' or '-'"):
        load_project(write(tmp_path, data))


def test_durations_and_the_older_keys_still_read_with_a_warning(tmp_path):
    p = load_project(write(tmp_path, mutate(["pipelines", "p1", "validation"], {"embargo": "12h"}))).pipelines["p1"]
    assert p.embargo == 2 * 86_400 and p.embargo_days == 2.0 and p.validation["embargo"] == 12 * 3600
    assert p.validation == {"n_splits": 5, "embargo": 43_200.0, "test_ratio": 0.2, "importance": "auto",
                            "importance_max_samples": 10_000}  # defaults filled in
    old = mutate(["pipelines", "p1", "embargo"], KeyError)
    old["pipelines"]["p1"]["embargo_days"] = 2
    old["pipelines"]["p1"]["validation"] = {"embargo": "1D"}
    with pytest.warns(UserWarning) as record:
        q = load_project(write(tmp_path, old)).pipelines["p1"]
    messages = [str(w.message) for w in record]
    assert any("pipelines.p1: `embargo_days: 2` is the older syntax, still read; write `embargo: 2d` instead" in m
               for m in messages)
    assert any("pipelines.p1.validation: `embargo: 1D` is the older syntax" in m and "`embargo: 1d`" in m
               for m in messages)
    assert q.embargo == p.embargo and q.validation["embargo"] == 86_400
    old["pipelines"]["p1"]["embargo_days"] = -200  # put the evaluation inside the training window
    with pytest.raises(ProjectFileError, match=r"pipelines.p1.embargo_days: expected a number of days >= 0, got -200"):
        load_project(write(tmp_path, old))


def test_the_repository_project_file_loads_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        project = load_project(Path(__file__).resolve().parents[1] / "project.yaml")
    assert project.pipelines["demo"].embargo == 2 * 86_400


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(ProjectFileError, match="project file not found"):
        load_project(tmp_path / "absent.yaml")
    bad = tmp_path / "project.yaml"
    bad.write_text("markets: [unclosed")
    with pytest.raises(ProjectFileError, match="not valid YAML"):
        load_project(bad)


_YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(["2024-01-01", "2d", "1D", "15m", "0 3 * * 1", "../x", "csv", "synthetic", "binance"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))


_ALL_PATHS = [p for p in _paths(VALID) if p]


@settings(max_examples=300, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(_ALL_PATHS), _YAML_VALUES | st.just(KeyError)), min_size=1,
                      max_size=3))
def test_any_malformed_project_ends_in_a_project_file_error_or_loads(edits):
    # malformed files end in our documented error (naming the file), never another exception
    import warnings

    data = yaml.safe_load(yaml.safe_dump(VALID))
    for keys, value in edits:
        node = data
        for k in keys[:-1]:
            if not isinstance(node, dict) or k not in node:
                break
            node = node[k]
        else:
            if isinstance(node, dict):
                if value is KeyError:
                    node.pop(keys[-1], None)
                else:
                    node[keys[-1]] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            project = parse_project(data, Path("/p/project.yaml"))
        except ProjectFileError as exc:
            assert str(exc).startswith("/p/project.yaml: ")
            return
    for p in project.pipelines.values():
        assert p.market in project.markets and p.evaluation.start_ms >= p.training.end_ms + p.embargo * 1000


def test_storage_defaults_to_the_duckdb_file_and_parquet_takes_a_uri_and_its_options(tmp_path):
    assert load_project(write(tmp_path, VALID)).storage.store(tmp_path) == str(tmp_path / "storage" / "jesse_dag.duckdb")
    s3 = {**VALID, "storage": {"kind": "parquet", "uri": "s3://research/jd", "endpoint_url": "http://127.0.0.1:9000",
                               "region": "eu-west-1"}}
    assert load_project(write(tmp_path, s3)).storage.store(tmp_path) == \
        "s3://research/jd?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1"
    folder = {**VALID, "storage": {"kind": "parquet", "uri": "shared/store"}}
    assert load_project(write(tmp_path, folder)).storage.store(tmp_path) == f"file://{tmp_path}/shared/store"


@pytest.mark.parametrize("storage, message", [
    ({"kind": "parquet", "uri": "s3://b/p", "aws_secret_access_key": "hunter2"},
     "storage: aws_secret_access_key: credentials never go into project.yaml; set them in the environment"),
    ({"kind": "parquet", "uri": "s3://b/p", "regoin": "eu-west-1"}, "storage.regoin: unknown key.*did you mean 'region'"),
    ({"kind": "sqlite"}, "storage: expected one of duckdb, parquet, got 'sqlite'"),
    ({"kind": "parquet"}, "storage.uri: is required"),
    ({"kind": "parquet", "uri": "../elsewhere"}, "storage.uri: expected a folder inside the project"),
    ({"kind": "parquet", "uri": "gs://b/p"}, "storage.uri: expected s3://bucket/prefix"),
    ({"kind": "parquet", "uri": "s3://b/p?endpoint_url=x"}, "storage.uri: options go into their own keys"),
])
def test_bad_storage_is_named_and_a_secret_is_never_echoed(tmp_path, storage, message):
    with pytest.raises(ProjectFileError, match=message) as err:
        load_project(write(tmp_path, {**VALID, "storage": storage}))
    assert "hunter2" not in str(err.value)
