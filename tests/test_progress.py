"""Progress of long work (jesse_dag._progress): plain counted lines on stderr when it is not a terminal, nothing
when off, the same results either way; the engine reports simulated time at most every 1% of the run."""
from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from jesse_dag._progress import progress
from jesse_dag.cli import EXIT_OK, main
from jesse_dag.engine import run_backtest
from jesse_dag.ml.gather import gather_ml_data
from jesse_dag.optimize import Variation, run_batch
from tests.optimize_strategies.markets import as_candles_dict, config, peak_market, routes
from tests.optimize_strategies.strategies import PeakHold
from tests.test_download_binance import archive  # noqa: F401 (a fixture)
from tests.test_ml_recipes import CONFIG, ROUTES, _candle_csv, _candles, project  # noqa: F401 (a fixture)

LINE = re.compile(r"^(?P<label>[\w -]+): (?P<done>[\d.]+)/(?P<total>[\d.]+)(?: (?P<unit>\w+))? \((?P<pct>\d+)%\) "
                  r"elapsed \d\d:\d\d, eta (\d\d:\d\d|\?)")


def _lines(text: str, label: str) -> list[tuple[float, float]]:
    """(done, total) of each progress line of ``label``."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m and m["label"] == label:
            out.append((float(m["done"]), float(m["total"])))
    return out


def test_plain_lines_count_up_and_close_and_a_failure_says_so():
    out = io.StringIO()
    with progress(3, "work", enabled=True, unit="runs", stream=out, line_seconds=0) as bar:
        for i in range(3):
            bar.update(note=f"item {i}")
    text = out.getvalue()
    assert _lines(text, "work") == [(1, 3), (2, 3), (3, 3)]
    assert "work: 3/3 runs (100%)" in text and "item 2" in text
    assert text.splitlines()[-1].startswith("work: done in ")
    out = io.StringIO()
    with pytest.raises(RuntimeError):
        with progress(3, "work", enabled=True, stream=out, line_seconds=0) as bar:
            bar.update()
            raise RuntimeError("boom")
    assert out.getvalue().splitlines()[-1].startswith("work: failed after ")


def test_lines_are_throttled_but_the_first_and_last_always_show():
    out = io.StringIO()
    with progress(1000, "slow", enabled=True, stream=out, line_seconds=3600) as bar:
        for _ in range(1000):
            bar.update()
    assert _lines(out.getvalue(), "slow") == [(1, 1000), (1000, 1000)]


def test_off_or_not_a_terminal_by_default_prints_nothing(capsys):
    for enabled in (False, None):  # None: on only when stderr is a terminal (it is not under pytest)
        out = io.StringIO()
        with progress(3, "quiet", enabled=enabled, stream=out, line_seconds=0) as bar:
            bar.update(3)
        assert out.getvalue() == "" and bar.done == 3
    with progress(3, "quiet", enabled=None, line_seconds=0) as bar:
        bar.update(3)
    assert capsys.readouterr() == ("", "")


@pytest.fixture(scope="module")
def market():
    c = peak_market(12, bar_minutes=60, noise=0.002, seed=2)
    return config(), routes(PeakHold, "1h"), as_candles_dict(c[1440:]), as_candles_dict(c[:1440])


def test_engine_reports_simulated_time_every_percent_at_most_and_trades_do_not_change(market):
    cfg, rts, trade, warm = market
    shares: list[float] = []
    with_progress = run_backtest(cfg, rts, [], trade, warm, hyperparameters={"hold": 8, "side": "long"},
                                 progress_callback=shares.append)
    plain = run_backtest(cfg, rts, [], trade, warm, hyperparameters={"hold": 8, "side": "long"})
    assert with_progress.result["trades"] == plain.result["trades"] and len(plain.result["trades"]) > 0
    assert with_progress.result["metrics"] == plain.result["metrics"]
    # 11 simulated days: one report per daily sample (each more than 1% of the run), then the end
    assert shares[0] == 0.0 and shares[-1] == 1.0 and shares == sorted(shares)
    assert 10 <= len(shares) <= 102
    assert all(b - a >= 0.01 for a, b in zip(shares[:-2], shares[1:-1]))


def test_batch_prints_each_finished_run_and_gives_the_same_results(market, capsys, monkeypatch):
    monkeypatch.setenv("JESSE_DAG_PROGRESS_SECONDS", "0")
    cfg, rts, trade, warm = market
    variations = [Variation({"hold": h, "side": "long"}, name=f"long{h}") for h in (3, 8, 13)]
    shown = run_batch(cfg, rts, [], trade, warm, variations, n_jobs=1, progress=True)
    err = capsys.readouterr().err
    assert _lines(err, "batch") == [(1, 3), (2, 3), (3, 3)] and "batch: 3/3 runs (100%)" in err and "long13" in err
    quiet = run_batch(cfg, rts, [], trade, warm, variations, n_jobs=1, progress=False)
    assert capsys.readouterr() == ("", "")
    assert [r["metrics"] for r in shown] == [r["metrics"] for r in quiet]


def test_gather_shows_simulated_days_and_gathers_the_same_points(project, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("JESSE_DAG_PROGRESS_SECONDS", "0")
    candles, warm = _candles(0, 3)
    shown = gather_ml_data(CONFIG, ROUTES, [], candles, warm, csv_path=None, verbose=False, progress=True)
    err = capsys.readouterr().err
    days = _lines(err, "gather MLDoc")
    assert days[-1] == (3, 3) and len(days) >= 3 and [d for d, _ in days] == sorted(d for d, _ in days)
    assert "gather MLDoc: done in" in err
    quiet = gather_ml_data(CONFIG, ROUTES, [], candles, warm, csv_path=None, verbose=False, progress=False)
    assert capsys.readouterr() == ("", "")
    assert shown["data_points"] == quiet["data_points"] and len(quiet["data_points"]) > 100


def test_cli_gather_logs_progress_lines_and_no_progress_silences_them(project, monkeypatch):  # noqa: F811
    monkeypatch.setenv("JESSE_DAG_PROGRESS_SECONDS", "0")
    _candle_csv(project / "c.csv", 0, 2)
    args = ["gather", "MLDoc", "--candles", "c.csv", "--warmup-bars", "40"]
    r = CliRunner().invoke(main, ["--project-dir", str(project), *args], catch_exceptions=False)
    assert r.exit_code == EXIT_OK, r.output
    assert _lines(r.stderr, "gather MLDoc")[-1][0] == _lines(r.stderr, "gather MLDoc")[-1][1] > 0
    r = CliRunner().invoke(main, ["--project-dir", str(project), "--no-progress", *args], catch_exceptions=False)
    assert r.exit_code == EXIT_OK, r.output
    assert "gather MLDoc" not in r.stderr and "data points" in r.stdout


def test_download_counts_days_per_month_or_day_fetched(archive, tmp_path, capsys, monkeypatch):  # noqa: F811
    from jesse_dag.candles.synthetic import synthetic_market
    from jesse_dag.research import import_candles
    from tests.test_download_binance import JAN_2025, _publish

    monkeypatch.setenv("JESSE_DAG_PROGRESS_SECONDS", "0")
    root, url, _ = archive
    m = synthetic_market(days=32, seed=9, start_timestamp=JAN_2025)
    _publish(root, "spot", "BTCUSDT", "2025-01", m[:31 * 1440], 1000)
    _publish(root, "spot", "BTCUSDT", "2025-02-01", m[31 * 1440:], 1000)
    db = tmp_path / "s.duckdb"
    import_candles("Binance Spot", "BTC-USDT", "2025-01-01", True, finish_date="2025-02-02", base_url=url, db=db)
    err = capsys.readouterr().err
    assert _lines(err, "download BTC-USDT") == [(31, 32), (32, 32)]
    assert "2025-01 44640 rows added" in err and "2025-02-01 1440 rows added" in err
    import_candles("Binance Spot", "BTC-USDT", "2025-01-01", finish_date="2025-02-02", base_url=url, db=db)
    assert capsys.readouterr() == ("", "")  # show_progressbar=False, Jesse's default


def test_a_function_gets_the_plain_lines_even_on_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    got: list[str] = []
    with progress(2, "logged", enabled=got.append, line_seconds=0) as bar:
        bar.update(2)
    assert _lines("\n".join(got), "logged") == [(2, 2)] and got[-1].startswith("logged: done in")


def test_optimize_counts_trials_from_where_a_resumed_study_stands(tmp_path, capsys, monkeypatch):
    from jesse_dag import research
    from tests.optimize_strategies.run_study import inputs

    monkeypatch.setenv("JESSE_DAG_PROGRESS_SECONDS", "0")
    args = inputs()
    kw = dict(optimal_total=30, cpu_cores=1, seed=0, storage=tmp_path / "a.db")
    shown = research.optimize(*args, trials=1, progress_bar=True, **kw)
    err = capsys.readouterr().err
    assert _lines(err, "optimize") == [(1, 2), (2, 2)] and "optimize: 2/2 trials (100%)" in err
    more = research.optimize(*args, trials=2, progress_bar=True, **kw)  # the same study, two trials more
    assert _lines(capsys.readouterr().err, "optimize") == [(3, 4), (4, 4)]
    quiet = research.optimize(*args, trials=2, progress_bar=False, **{**kw, "storage": tmp_path / "b.db"})
    assert capsys.readouterr() == ("", "")
    assert shown["completed_trials"] == 2 and more["completed_trials"] == quiet["completed_trials"] == 4
