"""The project follows Dagster's `dg` conventions: `dg check defs` and `dg list defs` load the definitions
from ``[tool.dg]`` in pyproject.toml, and every asset and check says what it is in the UI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
DG = Path(sys.executable).with_name("dg")


def _dg(*args: str, home: Path) -> subprocess.CompletedProcess:
    if not DG.exists():
        pytest.fail(f"{DG} is missing: dagster-dg-cli is a dependency of the project (pyproject.toml)")
    env = {**os.environ, "DAGSTER_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([str(DG), *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_dg_check_defs_and_list_defs_load_the_project(tmp_path):
    (tmp_path / "dagster.yaml").write_text((PROJECT_DIR / "assets" / "dagster.yaml").read_text())
    checked = _dg("check", "defs", home=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr
    listed = _dg("list", "defs", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    keys = {a["asset_key"] for a in data["assets"]}
    assert {"demo/model_bundle", "demo/comparison_report", "market/synthetic-btc/candles"} <= keys
    assert [a["asset_key"] for a in data["assets"] if not a.get("description")] == []
    assert data["asset_checks"] and [c for c in data["asset_checks"] if not c.get("description")] == []
    jobs = {j["name"] for j in data["jobs"]}
    assert {"demo__refresh", "demo__train_and_evaluate", "synthetic_btc__import"} <= jobs


def test_every_asset_and_check_has_a_description():
    from assets.definitions import defs

    graph = defs.resolve_asset_graph()
    missing = [k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).description]
    assert not missing, f"assets without a description: {missing}"
    specs = [spec for a in defs.assets for spec in getattr(a, "check_specs", ())]
    assert specs, "the project defines no asset check"
    assert not [s.name for s in specs if not s.description], "asset checks without a description"
