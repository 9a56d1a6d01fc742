"""The files behind backtest's generate_* flags, the chart-series helpers, and the report's downsampling."""
from __future__ import annotations

import copy
import csv
import json
import re
import socket

import numpy as np
import pytest

from jesse_dag.reports import _data
from jesse_dag.reports.chart_series import ChartSeriesMixin, collect_chart_series
from jesse_dag.reports.outputs import attach_outputs, pine_script, write_quantstats
from tests.reports_helpers import ROUTES_NAME, btc_candles, real_run, small_result

ALL = {f"generate_{k}": True for k in ("csv", "json", "logs", "equity_curve", "tradingview", "quantstats", "charts")}
ROUTES = [{"exchange": "Sandbox", "strategy": "Small", "symbol": "BTC-USDT", "timeframe": "5m"}]


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test (QuantStats must fetch nothing)."""
    def refuse(self, address, *a, **k):
        if isinstance(address, tuple):
            raise AssertionError(f"network connection attempted to {address}")
        return real_connect(self, address, *a, **k)
    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_csv_json_logs_equity_and_pine_of_a_small_result(tmp_path):
    result, candles = small_result()
    flags = {k: v for k, v in ALL.items() if k not in ("generate_quantstats", "generate_charts")}
    attach_outputs(result, flags, candles=candles, routes=ROUTES, out_dir=tmp_path)

    with open(result["csv"]) as fh:
        rows = list(csv.DictReader(fh))
    assert [r["type"] for r in rows] == ["long", "short"]
    assert float(rows[1]["PNL"]) == -4.2 and int(rows[0]["opened_at"]) == result["trades"][0]["opened_at"]
    assert "orders" not in rows[0]
    with open(result["csv"].replace(".csv", "-metrics.csv")) as fh:
        metrics = dict(csv.reader(fh))
    assert float(metrics["finishing_balance"]) == 999.7 and metrics["serenity_index"] == "-inf"

    data = json.loads(open(result["json"]).read())
    assert data["metrics"]["net_profit"] == -0.3 and data["metrics"]["sharpe_ratio"] == "nan"
    assert len(data["trades"]) == 2 and data["trades"][0]["orders"][1]["submitted_via"] == "take-profit"
    assert data["considering_timeframes"] == ["5m"]

    log = open(result["logs"]).read().splitlines()
    assert log[0].startswith("[2023-11-15 01:00:00] EXECUTED MARKET buy order")
    assert "(take-profit)" in log[1] and log[2].startswith("[2023-11-15 02:00:00] CLOSED long trade #1")
    assert log[-1].startswith("finished: 2 trades")

    eq = open(result["equity_curve_csv"]).read().splitlines()
    assert eq[0] == "time,date,balance,drawdown_percent" and eq[-1].split(",")[2] == "999.7"
    assert float(eq[-1].split(",")[3]) == pytest.approx((999.7 / 1003.9 - 1) * 100)

    pine = open(result["tradingview"]).read()
    assert pine.startswith("//@version=5") and "indicator(" in pine
    assert f"array.from({result['trades'][0]['opened_at']}, {result['trades'][1]['opened_at']})" in pine
    assert "array.from(true, false)" in pine  # long, short
    assert "equity_curve" in result  # asked for: kept


def test_same_result_same_files(tmp_path):
    a, candles = small_result()
    b = copy.deepcopy(a)
    flags = {"generate_csv": True, "generate_json": True, "generate_tradingview": True}
    attach_outputs(a, flags, candles=candles, routes=ROUTES, out_dir=tmp_path / "a")
    attach_outputs(b, flags, candles=candles, routes=ROUTES, out_dir=tmp_path / "b")
    for k in ("csv", "json", "tradingview"):
        assert open(a[k], "rb").read() == open(b[k], "rb").read()
        assert a[k].split("/")[-1] == b[k].split("/")[-1]


def test_no_trades_gives_none_paths_and_the_curve_goes_when_not_asked(tmp_path):
    result, candles = small_result()
    result["trades"] = []
    attach_outputs(result, {"generate_csv": True, "generate_charts": True, "generate_tradingview": True},
                   candles=candles, routes=ROUTES, out_dir=tmp_path)
    assert result["csv"] is None and result["charts"] is None and result["tradingview"] is None
    assert "equity_curve" not in result and not any(tmp_path.iterdir())


def test_missing_equity_curve_is_a_clear_error(tmp_path):
    result, candles = small_result()
    del result["equity_curve"]
    with pytest.raises(ValueError, match="generate_equity_curve=True"):
        write_quantstats(result, tmp_path / "qs.html")


def test_pine_keeps_the_latest_500_trades():
    result, _ = small_result()
    t = result["trades"][0]
    result["trades"] = [{**t, "opened_at": t["opened_at"] + i * 60_000} for i in range(520)]
    pine = pine_script(result)
    assert "520" not in pine.splitlines()[1] and "the first 20 left out" in pine
    assert str(t["opened_at"] + 19 * 60_000) not in pine and str(t["opened_at"] + 20 * 60_000) in pine


def test_display_timeframe_and_regrouped_bars():
    assert _data.display_timeframe("15m", 3000, 4000) == "15m"
    assert _data.display_timeframe("15m", 8736, 4000) == "1h"
    assert _data.display_timeframe("1m", 130_000, 4000) == "1h"
    _, candles = small_result()
    five = _data.bars_from_1m(candles, "5m")
    hour = _data.bars_from_1m_like(five, "5m", "1h")
    direct = _data.bars_from_1m(candles, "1h")
    assert len(five) == 864 and np.array_equal(hour, direct)
    assert hour[0, 1] == candles[0, 1] and hour[0, 2] == candles[59, 2]
    assert hour[0, 3] == candles[:60, 3].max() and hour[0, 5] == pytest.approx(120.0)


def test_monthly_returns_compound_across_months():
    t = np.array([0, 86400 * 19, 86400 * 40, 86400 * 59]) + 1_704_067_200  # 2024-01-01, 01-20, 02-10, 02-29
    v = np.array([100.0, 110.0, 99.0, 121.0])
    table = _data.monthly_returns(t, v)
    assert table.loc[2024, 1] == pytest.approx(10.0) and table.loc[2024, 2] == pytest.approx(10.0)
    assert np.isnan(table.loc[2024, 3])


class _Bar(ChartSeriesMixin):
    def __init__(self):
        self.current_candle = np.array([0.0, 1, 1, 1, 1, 1])


def test_chart_series_records_per_bar_values_and_refuses_bad_ones():
    s = _Bar()
    for i, v in enumerate([1.0, 2.0, float("nan")]):
        s.current_candle = np.array([60_000.0 * 15 * i, 1, 1, 1, 1, 1])
        s.add_line_to_candle_chart("ema", v)
        s.add_extra_histogram_chart("macd", "hist", -v)
    s.add_line_to_candle_chart("ema", 5.0)  # twice in one bar: the last value wins
    s.add_horizontal_line_to_extra_chart("macd", "zero", 0, line_style="dotted")
    got = s.chart_series()
    assert got["candle"]["ema"]["time"] == [0, 900, 1800]
    assert got["candle"]["ema"]["value"] == [1.0, 2.0, 5.0]
    assert got["extra"]["macd"]["hist"]["type"] == "histogram" and got["extra_hlines"]["macd"]["zero"]["style"] == "dot"
    assert collect_chart_series([object(), s]) is not None and collect_chart_series([])["candle"] == {}
    with pytest.raises(ValueError, match='candle chart line "ema": value must be a number'):
        s.add_line_to_candle_chart("ema", "high")
    with pytest.raises(ValueError, match="must be finite"):
        s.add_extra_line_chart("x", "y", float("inf"))
    with pytest.raises(ValueError, match="already drawn as a line"):
        s.add_histogram_to_candle_chart("ema", 1.0)
    with pytest.raises(ValueError, match="line_style must be one of"):
        s.add_horizontal_line_to_candle_chart("level", 1.0, line_style="wavy")


@pytest.mark.slow
def test_pine_and_quantstats_from_the_real_backtest(tmp_path, no_network):
    run = real_run()
    result = copy.deepcopy(run.result)
    _, trading = btc_candles()
    attach_outputs(result, {"generate_tradingview": True, "generate_quantstats": True}, routes=ROUTES_NAME,
                   candles={"Sandbox-BTC-USDT": {"candles": trading}}, strategies=run.strategies, out_dir=tmp_path)
    assert "equity_curve" not in result  # not asked for: removed after use
    pine = open(result["tradingview"]).read()
    assert pine.count("line.new(") == 1 and "454 trades" in pine.splitlines()[1]
    opened = pine.split("var int[] openedAt = array.from(")[1].split(")")[0]
    assert [int(x) for x in opened.replace("\n", "").split(",")] == [t["opened_at"] for t in run.result["trades"]]
    qs = open(result["quantstats"]).read()
    assert "<html" in qs.lower() and "Sharpe" in qs and "Max Drawdown" in qs
    assert "Benchmark" not in qs  # no benchmark column
    # its cumulative return is the backtest's net profit: QuantStats read the same daily balances
    assert "-12.92%" in qs
    # crypto trades every day: QuantStats annualises with 365 periods, as Jesse's metrics do (not its 252)
    sharpe = float(re.search(r"<td>Sharpe</td>\s*<td>(-?[0-9.]+)</td>", qs).group(1))
    assert sharpe == pytest.approx(run.result["metrics"]["sharpe_ratio"], abs=0.05)  # 252 gives -3.40
    assert "qtpylib.io" not in qs and 'onload="save()"' not in qs  # no outside favicon, no missing function
