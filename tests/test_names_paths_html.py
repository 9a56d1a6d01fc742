"""Hostile names (route symbols, strategy, pipeline, market, series and feature names) never lead a file
outside its folder and never become markup or script in a report (issue 15)."""
from __future__ import annotations

import html.parser
import json
import os
import sys
import types

import pytest

from jesse_dag.paths import file_name_part, path_inside, path_part
from jesse_dag.reports.backtest_report import price_figure, render_backtest_report
from jesse_dag.reports.ml_report import render_ml_report
from jesse_dag.reports.outputs import attach_outputs, pine_script, run_stem, write_quantstats
from jesse_dag.reports._page import script_json
from tests.reports_helpers import small_result

SCRIPT = "</script><script>alert(31337)</script>"
IMG = "<img src=x onerror=alert(31338)>"
SEP = "\u2028\u2029"


class _Markup(html.parser.HTMLParser):
    """Every tag and attribute of a page, and the text of each script block."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _assert_no_injected_markup(page: str, clean_page: str) -> None:
    got, clean = _Markup(page), _Markup(clean_page)
    assert "img" not in got.tags
    assert not [a for a in got.attrs if a.startswith("on")]
    # the same tags as with harmless names: no element was added, none was ended early
    assert got.tags == clean.tags
    # inside script blocks the names are JSON strings with their "<" escaped
    assert not [s for s in got.scripts if "<script>alert(31337)" in s or "<img src=x onerror" in s]
    assert sum("alert(31337)" in s for s in got.scripts) >= 1


def test_path_part_refuses_what_is_not_one_folder_name():
    for bad in ("../x", "..", ".", ".hidden", "a/b", "a\\b", "nul\0", "", "ends.", "ends ", "x" * 129, 7):
        with pytest.raises(ValueError) as err:
            path_part(bad, what="strategy name", where="project.yaml pipelines.p.strategy")
        assert "strategy name (project.yaml pipelines.p.strategy)" in str(err.value)
    for good in ("EmaCrossSLTP", "BTC-USDT", "Binance Perpetual Futures", "v1.2", "Стратегия_2"):
        assert path_part(good, what="name") == good
    assert path_inside("storage", "inbox", "btc-1m").as_posix() == "storage/inbox/btc-1m"
    with pytest.raises(ValueError, match="market name"):
        path_inside("storage", "../../etc", what="market name")


def test_file_name_part_keeps_plain_names_and_flattens_the_rest():
    assert file_name_part("EmaCrossSLTP-BTC-USDT-15m") == "EmaCrossSLTP-BTC-USDT-15m"
    assert "/" not in file_name_part("../../etc/passwd") and not file_name_part("../x").startswith(".")
    assert file_name_part("") == "_" and file_name_part("...") == "_"
    assert len(file_name_part("x" * 500)) == 80


def test_hostile_route_names_write_every_output_inside_the_folder(tmp_path):
    result, candles = small_result()
    out = tmp_path / "project" / "storage"
    routes = [{"exchange": "Sandbox", "strategy": f"../../{IMG}", "symbol": f"../../../../escaped{SCRIPT}",
               "timeframe": "5m"}]
    flags = {f"generate_{k}": True for k in ("csv", "json", "logs", "equity_curve", "tradingview", "charts")}
    attach_outputs(result, flags, candles=candles, routes=routes, out_dir=out)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 8  # csv + metrics csv, json, logs, equity csv, pine, charts + its shared plotly.js
    root = os.path.realpath(out)
    for p in written:
        assert os.path.realpath(p).startswith(root + os.sep), p
    for key in ("csv", "json", "logs", "equity_curve_csv", "tradingview", "charts"):
        assert os.path.realpath(result[key]).startswith(root + os.sep)
    # a plain route keeps its readable stem
    assert run_stem(result, [{"strategy": "S", "symbol": "BTC-USDT", "timeframe": "5m"}]).startswith("S-BTC-USDT-5m-")


def test_backtest_report_shows_hostile_names_as_text(tmp_path):
    result, candles = small_result()

    def series(name):
        s = {"type": "line", "color": "#2962FF", "time": [int(candles[0, 0] // 1000)], "value": [1.0]}
        return {"candle": {name: s}, "extra": {name: {name: dict(s, type="histogram")}},
                "candle_hlines": {name: {"value": 100.0, "color": "#000000", "width": 1.0, "style": "dot"}},
                "extra_hlines": {name: {name: {"value": 1.0, "color": "#000000", "width": 1.0, "style": "dot"}}}}

    hostile = f"{SCRIPT}{IMG}{SEP}&amp;"
    page = render_backtest_report(result, candles, timeframe="5m", chart_series=series(hostile),
                                  title=hostile, subtitle=hostile)
    clean = render_backtest_report(result, candles, timeframe="5m", chart_series=series("plain"),
                                   title="plain", subtitle="plain")
    _assert_no_injected_markup(page, clean)
    summary = _Markup(page).scripts[0]
    assert "\u2028" not in summary and "<" not in summary
    assert json.loads(summary)["title"] == hostile  # escaped, not changed
    assert f"<title>{hostile}" not in page and "&lt;/script&gt;" in page
    # plotly draws trace names and titles as a subset of HTML: they are escaped, so shown verbatim
    fig, _ = price_figure(result, candles[:300], "5m", series(hostile))
    names = {t.name for t in fig.data if t.name}
    assert "&lt;/script&gt;&lt;script&gt;alert(31337)&lt;/script&gt;&lt;img src=x onerror=alert(31338)&gt;\u2028\u2029&amp;amp;" in names
    assert all("<" not in a.text for a in fig.layout.annotations)


def test_ml_report_escapes_feature_metric_and_class_names():
    def report(name):
        return {"task": "binary", "label_name": name, "feature_names": [name, "b"],
                "metrics": {"accuracy": 0.5, name: 1.0, "confusion_matrix": [[1, 0], [0, 1]], "classes": [name, "x"]},
                "feature_importance": {"feature_names": [name, "b"], "consensus_ranks": {name: 1, "b": 2},
                                       "anova_f_values": [1.0, 2.0], "correlations": [0.1, 0.2]},
                "feature_impact": [{"feature": name, "delta": 0.1}],
                "validation": {"method": name, "embargo": 1, "folds": [
                    {"fold": 1, "train_size": 1, "test_size": 1, "metrics": {name: 0.5}}], "mean": {name: 0.5}}}

    page = render_ml_report(report(f"{SCRIPT}{IMG}"), title=IMG)
    clean = render_ml_report(report("plain"), title="plain")
    _assert_no_injected_markup(page, clean)
    # plotly draws feature names (axis categories) and metric names (legend) as HTML: escaped for it too
    drawn = "".join(_Markup(page).scripts)
    assert "&lt;img src=x onerror=alert(31338)&gt;" in drawn and "\\u003cimg src=x" not in drawn


def test_script_json_escapes_what_ends_a_script_block():
    text = script_json({"t": f"{SCRIPT}<!--&{SEP}"})
    assert not any(c in text for c in "<>&\u2028\u2029")
    assert json.loads(text) == {"t": f"{SCRIPT}<!--&{SEP}"}


def test_pine_title_cannot_end_its_string_literal():
    result, _ = small_result()
    script = pine_script(result, title='x")\nstrategy.entry("pwn", strategy.long)\n//')
    lines = script.splitlines()
    assert sum(line.startswith("indicator(") for line in lines) == 1
    assert not any(line.startswith("strategy.entry") for line in lines)


def test_quantstats_gets_an_escaped_title(tmp_path, monkeypatch):
    seen = {}

    def fake_html(returns, benchmark=None, output=None, title="", download_filename=None, periods_per_year=252):
        seen["title"], seen["periods"] = title, periods_per_year
        open(output, "w").write(f"<title>{title}</title>")

    fake = types.ModuleType("quantstats")
    fake.reports = types.SimpleNamespace(html=fake_html)
    monkeypatch.setitem(sys.modules, "quantstats", fake)
    result, _ = small_result()
    write_quantstats(result, tmp_path / "qs.html", title=SCRIPT)
    assert seen["title"] == "&lt;/script&gt;&lt;script&gt;alert(31337)&lt;/script&gt;"
    assert seen["periods"] == 365  # crypto: every day trades


def test_pipeline_and_market_names_that_leave_their_folder_are_refused(tmp_path):
    from jesse_dag.research.pipeline import strategy_dir

    pipeline = types.SimpleNamespace(name="demo", strategy="../../outside")
    with pytest.raises(ValueError, match=r"strategy name \(project.yaml pipelines.demo.strategy\) '../../outside'"):
        strategy_dir(pipeline, tmp_path)
    assert strategy_dir(types.SimpleNamespace(name="demo", strategy="Demo"), tmp_path) == tmp_path / "strategies" / "Demo"

    from assets.automation import inbox_dir

    with pytest.raises(ValueError, match="market name"):
        inbox_dir(tmp_path, types.SimpleNamespace(name="../../x"))

    from jesse_dag.ml.csv_io import resolve_csv_path

    with pytest.raises(ValueError, match="strategy name"):
        resolve_csv_path("..")


def test_cli_refuses_a_strategy_name_that_leaves_strategies(tmp_path):
    from click.testing import CliRunner

    from jesse_dag.cli import main

    r = CliRunner().invoke(main, ["--project-dir", str(tmp_path), "models", "inspect", "../../etc", "v1"])
    assert r.exit_code == 2, r.output
    assert "strategy name (STRATEGY argument) '../../etc'" in r.output
    r = CliRunner().invoke(main, ["--project-dir", str(tmp_path), "models", "inspect", "Demo", "../../x"])
    assert r.exit_code == 2 and "VERSION '../../x' is not a bundle folder name" in r.output, r.output


def test_a_strategy_name_cannot_load_a_file_outside_strategies(tmp_path):
    from jesse_dag.engine.exceptions import InvalidRoutes
    from jesse_dag.engine.run import load_strategy_class

    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "__init__.py").write_text("raise SystemExit('outside code ran')\n")
    (tmp_path / "project" / "strategies").mkdir(parents=True)
    for name in ("../../evil", str(evil), "..", "a/../../../evil"):
        with pytest.raises(InvalidRoutes, match="strategy name"):
            load_strategy_class(name, tmp_path / "project")
