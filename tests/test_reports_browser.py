"""The HTML reports opened in headless Chromium: no console error, a screenshot, and the chart data checked.

Needs Debian's ``/usr/bin/chromium`` (never a downloaded browser); skipped with the reason when absent.
Screenshots go to ``$JESSE_DAG_SCREENSHOT_DIR`` when set, else to a pytest temp folder.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from tests.reports_helpers import CHROMIUM, CHROMIUM_ARGS, ROUTES_NAME, real_run, btc_candles, small_result

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: install Debian's chromium "
                                                     "(apt-get install -y chromium) to run the browser tests"),
]
LOAD_TIMEOUT_MS = 180_000  # a 5 MB page on a loaded 2-core CI box


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    d = os.environ.get("JESSE_DAG_SCREENSHOT_DIR")
    path = Path(d) if d else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_report(browser, path: Path, shot: Path, ready_div: str):
    """Open ``path``; wait until plotly drew ``ready_div``; screenshot; fail on any console error."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(f"() => {{ const g = document.getElementById({ready_div!r}); "
                           "return g && g._fullLayout && g.querySelector('.main-svg'); }")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == [], f"console errors in {path.name}: {errors}"
    assert requests == [], f"{path.name} fetched from the network: {requests}"
    return page


def trace(page, div: str, name: str) -> dict:
    return page.evaluate(
        "([div, name]) => { const g = document.getElementById(div); const t = g.data.find(t => t.name === name);"
        " if (!t) return null; return {x: Array.from(t.x || []), y: Array.from(t.y || []), type: t.type}; }",
        [div, name])


def table_rows(page, table_id: str) -> list[list[str]]:
    return page.evaluate(
        "(id) => Array.from(document.querySelectorAll('#' + id + ' tbody tr')).map("
        "r => r.dataset.key !== undefined ? [r.dataset.key, r.dataset.value] : "
        "Array.from(r.cells).map(c => c.textContent))", table_id)


def _same(expected, text: str) -> bool:
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        return str(expected) == text
    got = float(text)
    if math.isnan(expected):
        return math.isnan(got)
    return got == expected or abs(got - expected) <= 1e-9 * max(1.0, abs(expected))


@pytest.mark.slow
def test_backtest_report_of_the_91_day_btc_run(browser, shots, tmp_path):
    from jesse_dag.reports.outputs import attach_outputs

    run = real_run(draw=True)
    result = dict(run.result)
    trades, metrics = result["trades"], result["metrics"]
    assert len(trades) == 454  # the drawing subclass trades exactly as EmaCrossSLTP
    _, trading = btc_candles()
    attach_outputs(result, {"generate_charts": True, "generate_equity_curve": True},
                   candles={"Sandbox-BTC-USDT": {"candles": trading}}, routes=ROUTES_NAME,
                   strategies=run.strategies, out_dir=tmp_path)
    report = Path(result["charts"])
    page = open_report(browser, report, shots / "backtest_report_btc_91d.png", "price-chart")

    entries, exits = trace(page, "price-chart", "entries"), trace(page, "price-chart", "exits")
    assert len(entries["x"]) == len(exits["x"]) == 454
    assert entries["y"] == [t["entry_price"] for t in trades]
    assert exits["y"] == [t["exit_price"] for t in trades]
    assert entries["x"][0] == "2025-05-22 05:00:00"  # the first trade opened at 1747890000000 ms
    equity = trace(page, "price-chart", "equity")
    assert abs(equity["y"][-1] - metrics["finishing_balance"]) <= 1e-6
    rows = dict(table_rows(page, "metrics-table"))
    scalar = {k: v for k, v in metrics.items() if not isinstance(v, (list, dict))}
    assert set(rows) == set(scalar)
    bad = {k: (v, rows[k]) for k, v in scalar.items() if not _same(v, rows[k])}
    assert not bad, f"metrics table differs from the returned metrics: {bad}"
    assert len(table_rows(page, "trades-table")) == 454

    # 91 days of 15m bars (8,5xx) are shown as 1h candles; the strategy's series come along
    candles = trace(page, "price-chart", "candles")
    assert 2000 < len(candles["x"]) <= 4000 and candles["x"][1] > candles["x"][0]
    ema = trace(page, "price-chart", "EMA 21")
    assert ema["type"] == "scatter" and len(ema["x"]) == len(candles["x"])
    series = run.strategies[0].chart_series()
    last_ema = series["candle"]["EMA 21"]["value"][-1]
    assert ema["y"][-1] == pytest.approx(last_ema, rel=1e-12)
    assert trace(page, "price-chart", "rsi")["y"][-1] == pytest.approx(series["extra"]["RSI"]["rsi"]["value"][-1])
    assert trace(page, "price-chart", "rsi - 50")["type"] == "bar"
    page.close()


def test_backtest_report_small_and_unsampled(browser, shots, tmp_path):
    from jesse_dag.reports.backtest_report import write_backtest_report

    result, candles = small_result()
    path = write_backtest_report(result, candles, tmp_path / "small.html", timeframe="5m", title="Small")
    page = open_report(browser, path, shots / "backtest_report_small.png", "price-chart")
    assert len(trace(page, "price-chart", "candles")["x"]) == 3 * 288  # 864 bars fit: shown as they are
    assert trace(page, "price-chart", "entries")["y"] == [100.0, 103.0]
    assert trace(page, "price-chart", "drawdown")["y"] == pytest.approx([0.0, 0.0, (999.7 / 1003.9 - 1) * 100])
    months = table_rows(page, "monthly-table")
    assert months[0][0] == "2023" and months[0][11] == "-0.03%"  # November: 1000 -> 999.7
    page.close()


def _trained():
    from sklearn.linear_model import LogisticRegression

    from jesse_dag.ml.training import train_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    signal = X[:, 0] - 0.5 * X[:, 1] + 0.5 * rng.normal(size=400)
    pts = [{"time": 1_700_000_000 + 900 * i, "features": {"a": X[i, 0], "b": X[i, 1], "noise": X[i, 2]},
            "label": {"name": "y", "value": bool(signal[i] > 0)}, "label_time": 1_700_000_000 + 900 * (i + 4)}
           for i in range(400)]
    return train_model(pts, LogisticRegression(), verbose=False, validation="purged", n_splits=4, embargo="1h",
                       n_jobs=1)


def test_ml_report(browser, shots, tmp_path):
    from jesse_dag.reports.ml_report import write_ml_report

    r = _trained()
    path = write_ml_report(r, tmp_path / "ml.html", title="Synthetic model")
    page = open_report(browser, path, shots / "ml_report.png", "ml-threshold-sweep")
    sweep = r["threshold_sweep"]["rows"]
    assert trace(page, "ml-threshold-sweep", "coverage")["y"] == pytest.approx([s["coverage"] for s in sweep])
    prec = trace(page, "ml-threshold-sweep", "precision")["y"]
    assert [p for p in prec if p is not None] == pytest.approx([s["precision"] for s in sweep if s["precision"] is not None])
    z = page.evaluate("() => document.getElementById('ml-confusion').data[0].z")
    assert z == r["metrics"]["confusion_matrix"]
    cal = trace(page, "ml-calibration", "calibration")
    assert cal["y"] == pytest.approx([c["actual_rate"] for c in r["calibration"]])
    assert len(table_rows(page, "folds-table")) == 4 + 1  # the folds and their mean
    rows = dict(table_rows(page, "ml-metrics-table"))
    assert float(rows["roc_auc"]) == r["metrics"]["roc_auc"] and float(rows["accuracy"]) == r["metrics"]["accuracy"]
    impact = trace(page, "ml-impact", "impact")
    assert impact["y"] == [d["feature"] for d in r["feature_impact"]]
    page.close()


def test_comparison_report(browser, shots, tmp_path):
    from jesse_dag.reports.comparison import write_comparison_report

    result, _ = small_result()
    eq = [[p["time"], p["value"]] for p in result["equity_curve"][0]["data"]]
    baseline = {"mode": "baseline", "metrics": result["metrics"], "trades": result["trades"], "equity": eq,
                "model_version": None}
    deployed = {"mode": "deployed", "metrics": {**result["metrics"], "total": 1, "net_profit": 3.9},
                "trades": result["trades"][:1], "equity": [eq[0], [eq[1][0], 1003.9], [eq[2][0], 1003.9]],
                "model_version": "v0003"}
    path = write_comparison_report(baseline, deployed, tmp_path / "cmp.html", title="Small: baseline vs model")
    page = open_report(browser, path, shots / "comparison_report.png", "cmp-equity")
    assert trace(page, "cmp-equity", "deployed")["y"] == [1000.0, 1003.9, 1003.9]
    rows = {r[0]: r[1:] for r in table_rows(page, "comparison-table")}
    assert rows["total"] == ["2", "1", "-1"]
    assert rows["net_profit"][2] == "4.2"
    page.close()
