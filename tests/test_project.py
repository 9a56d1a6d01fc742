"""The project file: a valid file loads; every malformed field is refused naming the file and the field."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jesse_dag.project import ProjectFileError, load_project

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
            "embargo_days": 2,
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
        (["pipelines", "p1", "task"], "ranking", "pipelines.p1.task: expected one of"),
        (["pipelines", "p1", "strategy"], KeyError, "pipelines.p1.strategy: is required"),
        (["pipelines", "p1", "warmup_bars"], "many", "pipelines.p1.warmup_bars: expected int"),
        (["pipelines", "p1", "estimator"], {"class": "LogisticRegression"}, "pipelines.p1.estimator.class"),
        (["pipelines", "p1", "training"], {"start": "2024-02-01", "end": "2024-01-01"}, "end 2024-01-01 is not after"),
        (["pipelines", "p1", "training"], {"start": "2024-13-01", "end": "2024-02-01"}, "training.start: expected a date"),
        (["pipelines", "p1", "evaluation"], {"start": "2024-02-02", "end": "2024-03-01"}, "not be out of sample"),
        (["pipelines", "p1", "schedule"], "daily", "pipelines.p1.schedule: expected a 5-field cron"),
        (["pipelines", "p1", "data_routes"], ["4h", "9h"], "unknown timeframe '9h'"),
        (["markets", "synth", "source"], {"kind": "ftp"}, "markets.synth.source.kind: expected one of"),
        (["markets", "synth", "symbol"], 5, "markets.synth.symbol: expected str"),
    ],
)
def test_bad_field_is_named(tmp_path, keys, value, message):
    path = write(tmp_path, mutate(keys, value))
    with pytest.raises(ProjectFileError) as err:
        load_project(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(ProjectFileError, match="project file not found"):
        load_project(tmp_path / "absent.yaml")
    bad = tmp_path / "project.yaml"
    bad.write_text("markets: [unclosed")
    with pytest.raises(ProjectFileError, match="not valid YAML"):
        load_project(bad)
