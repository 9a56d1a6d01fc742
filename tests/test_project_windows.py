"""project.yaml: windows that move with an anchor, the deploy rule, a market's end."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jesse_dag.project import ProjectFileError, parse_project
from jesse_dag.research import pipeline as steps

MARKET = {"exchange": "E", "symbol": "BTC-USDT", "start": "2024-01-01", "source": {"kind": "synthetic", "days": 90}}


def project(market: dict | None = None, **pipeline) -> dict:
    p = {"market": "m", "strategy": "S", "timeframe": "15m",
         "training": {"length": "60d"}, "evaluation": {"length": "14d"}, "embargo": "2d",
         "estimator": {"class": "sklearn.linear_model.LogisticRegression"}}
    p.update(pipeline)
    return {"markets": {"m": market or MARKET}, "pipelines": {"p": p}}


def parse(data: dict):
    return parse_project(data, Path("project.yaml"))


def ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def test_moving_windows_resolve_from_the_anchor():
    p = parse(project(anchor="latest_candle", deploy={"metric": "mcc", "margin": 0.01})).pipelines["p"]
    assert p.rolling and p.training is None and p.anchor == "latest_candle"
    assert p.training_length == 60 * 86_400 and p.evaluation_length == 14 * 86_400
    assert p.deploy == {"metric": "mcc", "margin": 0.01}
    a = p.resolve_windows(ms("2024-03-25 03:00"))
    b = p.resolve_windows(ms("2024-04-01 03:00"))
    assert (a.evaluation.start, a.evaluation.end) == ("2024-03-11", "2024-03-25")
    assert (a.training.start, a.training.end) == ("2024-01-09", "2024-03-09")  # the 2d embargo between them
    assert b.training.start_ms - a.training.start_ms == 7 * 86_400_000
    assert p.resolve_windows(ms("2024-03-25 23:59")) == a  # one anchor day, one set of windows


def test_fixed_windows_still_work_and_the_deploy_metric_defaults_to_the_gate():
    p = parse(project(training={"start": "2024-01-02", "end": "2024-02-01"},
                      evaluation={"start": "2024-02-05", "end": "2024-03-01"}, gate={"mcc": 0.0})).pipelines["p"]
    assert not p.rolling and p.resolve_windows(0) is p and p.training.start == "2024-01-02"
    assert p.deploy == {"metric": "mcc", "margin": 0.0}


@pytest.mark.parametrize("change, expected", [
    ({"training": {"length": "60d", "start": "2024-01-01"}}, "either `length`"),
    ({"training": {"length": "36h"}}, "whole number of days"),
    ({"training": {"start": "2024-01-01"}}, "expected `start` and `end`"),
    ({"evaluation": {"start": "2024-03-01", "end": "2024-03-10"}}, "both be fixed dates or both lengths"),
    ({"anchor": "now"}, "pipelines.p.anchor"),
    ({"deploy": {"metric": "sharpe"}}, "pipelines.p.deploy.metric"),
    ({"deploy": {"margin": -1}}, "pipelines.p.deploy.margin"),
    ({"deploy": {"margn": 0.1}}, "did you mean 'margin'"),
])
def test_bad_window_and_deploy_settings_name_the_key(change, expected):
    with pytest.raises(ProjectFileError, match=expected.replace("(", r"\(")):
        parse(project(**change))


def test_a_market_end_before_its_start_is_refused():
    with pytest.raises(ProjectFileError, match="markets.m.end: 2023-12-31 is before"):
        parse(project(market={**MARKET, "end": "2023-12-31"}))


def test_where_the_data_ends():
    m = parse(project()).markets["m"]
    end, why = steps.market_data_end(m, ".")
    assert steps._iso(end) == "2024-03-30 23:59" and "90 days" in why
    assert steps.market_last_month(m, ".") == "2024-03-01"
    given = parse(project(market={**MARKET, "end": "2024-02-10"})).markets["m"]
    assert steps.market_data_end(given, ".") == (ms("2024-02-10 23:59"), "end: 2024-02-10 in project.yaml")
    binance = parse(project(market={**MARKET, "source": {"kind": "binance"}})).markets["m"]
    assert steps.market_data_end(binance, ".") is None and steps.market_last_month(binance, ".") is None
