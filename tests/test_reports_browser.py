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


def open_report(browser, path: Path, shot: Path, ready_div: str, width: int = 1400):
    """Open ``path``; wait until plotly drew ``ready_div``; screenshot; fail on any console error, any request
    that leaves the machine, or a chart drawn wider than its box."""
    page = browser.new_page(viewport={"width": width, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(f"() => {{ const g = document.getElementById({ready_div!r}); "
                           "return g && g._fullLayout && g.querySelector('.main-svg'); }")
    assert_charts_fit(page, path)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == [], f"console errors in {path.name}: {errors}"
    assert requests == [], f"{path.name} fetched from the network: {requests}"
    return page


CHART_WIDTHS_JS = ("() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(g => ({id: g.id, "
                   "drawn: g._fullLayout ? g._fullLayout.width : null, box: g.parentElement.clientWidth}))")


def assert_charts_fit(page, path: Path) -> None:
    """Every chart is drawn, and no wider than the box it sits in (plotly draws at the width its box had
    when its script ran; a grid still being parsed gave the first chart the whole row)."""
    fits = ("() => Array.from(document.querySelectorAll('.plotly-graph-div')).every("
            "g => g._fullLayout && g._fullLayout.width <= g.parentElement.clientWidth + 1)")
    try:
        page.wait_for_function(fits, timeout=15_000)
    except Exception:  # report the widths rather than a bare time-out
        pass
    widths = page.evaluate(CHART_WIDTHS_JS)
    assert widths, f"{path.name}: no chart"
    wide = [w for w in widths if w["drawn"] is None or w["drawn"] > w["box"] + 1]
    assert not wide, f"{path.name}: charts drawn wider than their box (px): {wide}"


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

    from jesse_dag.reports._data import bars_from_1m

    result, candles = small_result()
    eq = [[p["time"], p["value"]] for p in result["equity_curve"][0]["data"]]
    baseline = {"mode": "baseline", "metrics": result["metrics"], "trades": result["trades"], "equity": eq,
                "model_version": None}
    deployed = {"mode": "deployed", "metrics": {**result["metrics"], "total": 1, "net_profit": 3.9},
                "trades": result["trades"][:1], "equity": [eq[0], [eq[1][0], 1003.9], [eq[2][0], 1003.9]],
                "model_version": "v0003"}
    path = write_comparison_report(baseline, deployed, tmp_path / "cmp.html", title="Small: baseline vs model",
                                   bars=bars_from_1m(candles, "5m"), timeframe="5m")
    page = open_report(browser, path, shots / "comparison_report.png", "cmp-equity")
    assert trace(page, "cmp-equity", "deployed")["y"] == [1000.0, 1003.9, 1003.9]
    # the price chart: the window's candles, both runs' entries and exits told apart by name and marker
    assert len(trace(page, "cmp-price", "candles")["x"]) == 3 * 288
    assert trace(page, "cmp-price", "baseline entries")["y"] == [t["entry_price"] for t in result["trades"]]
    assert trace(page, "cmp-price", "deployed entries")["y"] == [result["trades"][0]["entry_price"]]
    assert trace(page, "cmp-price", "deployed exits")["y"] == [result["trades"][0]["exit_price"]]
    symbols = page.evaluate("() => document.getElementById('cmp-price').data.map(t => [t.name, t.marker && t.marker.symbol])")
    marks = {n: s for n, s in symbols if n != "candles"}
    assert all(str(x).endswith("-open") for x in marks["baseline entries"]) and marks["deployed exits"] == "x"
    rows = {r[0]: r[1:] for r in table_rows(page, "comparison-table")}
    assert rows["total"] == ["2", "1", "-1"]
    assert rows["net_profit"][2] == "4.2"
    page.close()


@pytest.mark.parametrize("width", [1400, 820])
def test_charts_fit_their_boxes_at_two_window_sizes(browser, shots, tmp_path, width):
    """The grids of the ML and comparison reports and the backtest report, opened at a wide and a narrow
    window: each chart's drawn width fits its box (the first chart of a grid was drawn 1,552 px in a 770 px box)."""
    from jesse_dag.reports.backtest_report import write_backtest_report
    from jesse_dag.reports.comparison import write_comparison_report
    from jesse_dag.reports.ml_report import write_ml_report

    result, candles = small_result()
    eq = [[p["time"], p["value"]] for p in result["equity_curve"][0]["data"]]
    run = {"mode": "baseline", "metrics": result["metrics"], "trades": result["trades"], "equity": eq,
           "model_version": None}
    pages = [(write_ml_report(_trained(), tmp_path / "ml.html"), "ml-confusion"),
             (write_comparison_report(run, {**run, "mode": "deployed"}, tmp_path / "cmp.html"), "cmp-equity"),
             (write_backtest_report(result, candles, tmp_path / "bt.html", timeframe="5m"), "price-chart")]
    for path, first in pages:
        page = open_report(browser, path, shots / f"{path.stem}_{width}.png", first, width=width)
        in_grid = page.evaluate("() => Array.from(document.querySelectorAll('.grid .plotly-graph-div')).length")
        assert path.stem == "bt" or in_grid >= 2  # the grid case is really exercised
        page.close()


def test_reports_share_one_plotly_js_and_a_sent_copy_stands_alone(browser, shots, tmp_path):
    """Reports written into one folder reference one plotly.js beside them (each page a few hundred kB, not
    5 MB); the copy the webhook sends carries plotly.js inside and opens with nothing beside it."""
    import zipfile

    from jesse_dag.reports.comparison import write_comparison_report
    from jesse_dag.reports.notify import zip_attachments

    result, _ = small_result()
    eq = [[p["time"], p["value"]] for p in result["equity_curve"][0]["data"]]
    run = {"mode": "baseline", "metrics": result["metrics"], "trades": result["trades"], "equity": eq,
           "model_version": None}
    a = write_comparison_report(run, {**run, "mode": "deployed"}, tmp_path / "a.html")
    b = write_comparison_report(run, {**run, "mode": "deployed"}, tmp_path / "b.html")
    shared = sorted(p.name for p in tmp_path.glob("plotly-*.min.js"))
    assert len(shared) == 1 and shared[0] in a.read_text() and shared[0] in b.read_text()
    assert a.stat().st_size < 500_000 < (tmp_path / shared[0]).stat().st_size

    [(name, data)] = zip_attachments([a])
    alone = tmp_path / "sent"
    alone.mkdir()
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
        zf.extractall(alone)
    sent = alone / "a.html"
    assert not list(alone.glob("plotly-*.min.js")) and sent.stat().st_size > 3_000_000
    open_report(browser, sent, shots / "comparison_sent.png", "cmp-equity").close()


def test_quantstats_page_has_no_console_error_and_fetches_nothing(browser, tmp_path):
    from jesse_dag.reports.outputs import write_quantstats

    result, _ = small_result()
    day = 86_400
    t0 = result["equity_curve"][0]["data"][0]["time"]
    result = {**result, "equity_curve": [{"name": "Portfolio", "data": [
        {"time": t0 + i * day, "value": 1000.0 * (1 + 0.01 * ((i * 7) % 5 - 2))} for i in range(40)]}]}
    path = write_quantstats(result, tmp_path / "qs.html")
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(500)
    assert errors == [] and requests == [], (errors, requests)
    page.close()
