"""The real Dagster webserver on a loopback port: its GraphQL API serves the asset graph as designed,
and the asset graph page renders in headless Chromium without console errors."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.test_assets_pipeline import MARKET, STRATEGY, pipeline

PROJECT_DIR = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_DIR / "storage" / "screenshots"
# The UI tries to reach outside hosts (telemetry, fonts, docs); this machine has no network for them.
OUTSIDE_CALL_MARKERS = ("ERR_NAME_NOT_RESOLVED", "ERR_INTERNET_DISCONNECTED", "ERR_CONNECTION_REFUSED",
                        "ERR_BLOCKED_BY_CLIENT", "ERR_NETWORK_ACCESS_DENIED", "Failed to load resource")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui_project")
    shutil.copytree(PROJECT_DIR / "strategies" / STRATEGY, tmp / "strategies" / STRATEGY,
                    ignore=shutil.ignore_patterns("models", "ml_data", "*.pkl", "bundle.json", "__pycache__"))
    (tmp / "project.yaml").write_text(yaml.safe_dump({"markets": {"synth": MARKET}, "pipelines": {"p1": pipeline()}}))
    home = tmp / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_DIR / "assets" / "dagster.yaml", home / "dagster.yaml")  # no onboarding dialog
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "JESSE_DAG_PROJECT_FILE": str(tmp / "project.yaml"),
           "JESSE_DAG_ENV": "test", "JESSE_DAG_PROJECT_DIR": str(tmp),
           "JESSE_DAG_STORE": str(tmp / "storage" / "test.duckdb")}
    exe = Path(sys.executable).with_name("dagster-webserver")
    proc = subprocess.Popen([str(exe), "-w", str(PROJECT_DIR / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
                            cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"dagster-webserver exited: {proc.stdout.read().decode()[-3000:]}")
            try:
                data = _graphql(port, "{ version }")
                if "data" in data:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("dagster-webserver did not answer within 180 s")
            time.sleep(1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_graphql_serves_the_asset_graph(webserver):
    deadline = time.monotonic() + 120
    while True:  # the code location loads in the background after the server answers
        data = _graphql(webserver, "{ assetNodes { assetKey { path } dependencyKeys { path } groupName } }")
        nodes = data.get("data", {}).get("assetNodes") or []
        if nodes or time.monotonic() > deadline:
            break
        time.sleep(2)
    deps = {"/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]} for n in nodes}
    assert deps["p1/training_trading_candles"] == {"market/synth/candles"}
    assert deps["p1/ml_samples"] == {"p1/training_warmup_candles", "p1/training_trading_candles"}
    assert deps["p1/model_bundle"] == {"p1/ml_samples"}
    # champion and challenger are scored on the evaluation window before the new bundle is deployed
    assert deps["p1/deployed_model"] == {"p1/model_bundle", "p1/evaluation_warmup_candles",
                                         "p1/evaluation_trading_candles"}
    assert deps["p1/evaluation_report"] == {"p1/model_bundle"}
    assert deps["p1/deployed_backtest"] == {"p1/deployed_model", "p1/evaluation_warmup_candles",
                                             "p1/evaluation_trading_candles"}
    assert deps["p1/comparison_report"] == {"p1/baseline_backtest", "p1/deployed_backtest"}
    assert len(deps) == 12


@pytest.mark.slow
@pytest.mark.browser
def test_asset_graph_page_renders_in_chromium(webserver):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: .ci/run installs Debian's chromium for this test")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"http://127.0.0.1:{webserver}/locations/jesse_dag/asset-groups/p1", wait_until="domcontentloaded", timeout=120_000)
        page.get_by_text("model_bundle").first.wait_for(timeout=120_000)
        page.wait_for_timeout(2000)
        shot = SCREENSHOTS / "dagster_asset_graph.png"
        page.screenshot(path=str(shot), full_page=True)
        text = page.inner_text("body")
        browser.close()
    assert shot.stat().st_size > 10_000
    for name in ("ml_samples", "model_bundle", "comparison_report", "deployed_backtest"):
        assert name in text
    real_errors = [e for e in errors if not any(m in e for m in OUTSIDE_CALL_MARKERS)]
    assert not real_errors, real_errors
