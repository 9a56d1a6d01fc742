"""The ``jesse-dag`` command line through click's runner: help, exit codes, errors, and real runs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from jesse_dag.cli import EXIT_FAILED, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, main
from tests.reports_helpers import DATA_DIR, PARITY_DIR

COMMANDS = ["demo", "import-candles", "download-candles", "backtest", "gather", "train", "report", "report ml",
            "report comparison", "models", "models list", "models deploy", "models inspect", "lineage", "ui"]


def run(project: Path | None, *args: str):
    base = ["--project-dir", str(project)] if project is not None else []
    return CliRunner().invoke(main, [*base, *args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "strategies").mkdir()
    return tmp_path


def _candle_csv(path: Path, minutes: int, start_ms: int = 1_704_067_200_000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, minutes)))
    open_ = np.r_[100.0, close[:-1]]
    high = np.maximum(open_, close) * 1.0005
    low = np.minimum(open_, close) * 0.9995
    ts = start_ms + 60_000 * np.arange(minutes)
    rows = np.column_stack([ts, open_, high, low, close, np.full(minutes, 3.0)])
    with open(path, "w") as fh:
        fh.write("timestamp,open,high,low,close,volume\n")
        for r in rows:
            fh.write(f"{int(r[0])}," + ",".join(repr(float(x)) for x in r[1:]) + "\n")
    return rows


def test_every_command_has_help():
    for cmd in COMMANDS:
        r = run(None, *cmd.split(), "--help")
        assert r.exit_code == EXIT_OK, (cmd, r.output)
        assert f"Usage: main {cmd}" in r.output or f"Usage: jesse-dag {cmd}" in r.output


def test_group_help_documents_exit_codes():
    r = run(None, "--help")
    assert r.exit_code == 0
    for code in ("0   success", "1   the run failed", "2   usage error", "3   an input does not exist"):
        assert code in r.output
    assert "--project-dir" in r.output


def test_usage_errors_exit_2_and_say_what_to_do(project):
    r = run(project, "backtest", "X")
    assert r.exit_code == EXIT_USAGE and "give exactly one candle source" in r.output
    (project / "strategies" / "X").mkdir()
    (project / "strategies" / "X" / "__init__.py").write_text(
        "from jesse_dag.strategies import Strategy\nclass X(Strategy):\n    pass\n")
    r = run(project, "backtest", "X", "--candles", "c.csv", "--hp", "{period: 3}")
    assert r.exit_code == EXIT_USAGE and "--hp" in r.output and "not valid JSON" in r.output
    r = run(project, "backtest", "X", "--market", "Binance:BTC-USDT", "--start", "2024/01/01", "--end", "2024-02-01")
    assert r.exit_code == EXIT_USAGE and "YYYY-MM-DD" in r.output
    r = run(project, "backtest", "X", "--candles", "c.csv", "-t", "7m")
    assert r.exit_code == EXIT_USAGE and "not a timeframe" in r.output
    r = run(project, "backtest", "X", "--no-such-option")
    assert r.exit_code == EXIT_USAGE
    r = run(project, "download-candles", "BTCUSDT", "--start", "2024-01-01", "--end", "2024-02-01")
    assert r.exit_code == EXIT_USAGE and "BASE-QUOTE" in r.output


def test_missing_inputs_exit_3(project):
    r = run(project, "backtest", "Nope", "--candles", "c.csv")
    assert r.exit_code == EXIT_NOT_FOUND and "strategy 'Nope' not found" in r.output
    r = run(project, "import-candles", str(project / "absent.csv"), "--exchange", "E", "--symbol", "A-B")
    assert r.exit_code == EXIT_NOT_FOUND and "absent.csv" in r.output
    r = run(project, "models", "inspect", "Nope", "v0001")
    assert r.exit_code == EXIT_NOT_FOUND and "no bundle v0001 for Nope" in r.output
    r = run(project, "lineage", "Nope/v0001")
    assert r.exit_code == EXIT_NOT_FOUND and "bundle.json does not exist" in r.output
    r = run(project, "ui")
    assert r.exit_code == EXIT_NOT_FOUND and "workspace.yaml" in r.output
    r = run(project, "demo")
    assert r.exit_code == EXIT_NOT_FOUND and "assets/demo.py does not exist" in r.output
    r = run(project, "models", "list")
    assert r.exit_code == EXIT_OK and "no model bundles registered" in r.output


def test_import_candles_is_idempotent_and_logs_progress_when_not_a_terminal(project):
    csv_path = project / "c.csv"
    _candle_csv(csv_path, 600)
    args = ("import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT")
    r = run(project, *args)
    assert r.exit_code == EXIT_OK, r.output
    assert "600 added, 0 already stored" in r.stdout
    # plain log lines with counts, no bar
    assert "import: 1/1 files (100%) elapsed" in r.stderr and "c.csv" in r.stderr and "import: done in" in r.stderr
    assert (project / "storage" / "jesse_dag.duckdb").exists()
    r = run(project, "--no-progress", *args)
    assert "0 added, 600 already stored" in r.stdout
    assert "import" not in r.stderr  # --no-progress: no progress at all


def test_bad_candle_row_fails_with_the_line(project):
    csv_path = project / "bad.csv"
    _candle_csv(csv_path, 50)
    lines = csv_path.read_text().splitlines()
    parts = lines[10].split(",")
    parts[2], parts[3] = parts[3], str(float(parts[3]) - 5)  # high below low
    lines[10] = ",".join(parts)
    csv_path.write_text("\n".join(lines) + "\n")
    r = run(project, "import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT")
    assert r.exit_code == EXIT_FAILED
    assert "bad.csv" in r.output and "line 11" in r.output


def test_backtest_command_gives_the_engine_trades_and_writes_outputs(project):
    if not (PARITY_DIR / "strategies" / "EmaCrossSLTP.py").exists() or not (DATA_DIR / "binance_BTCUSDT_1m.csv").exists():
        pytest.skip("../shared (parity strategies and BTC candles) is absent")
    from tests.reports_helpers import CONFIG, btc_candles, load_parity_strategy

    sdir = project / "strategies" / "EmaCrossSLTP"
    sdir.mkdir()
    src = (PARITY_DIR / "strategies" / "EmaCrossSLTP.py").read_text()
    sdir.joinpath("__init__.py").write_text(src.replace("from jesse.", "from jesse_dag.")
                                            .replace("import jesse.", "import jesse_dag.")
                                            .replace("from jesse import", "from jesse_dag import"))
    warm, trade = btc_candles()
    minutes = 20 * 1440
    csv_path = project / "btc.csv"
    rows = np.vstack([warm, trade[:minutes]])[:, [0, 1, 3, 4, 2, 5]]  # Jesse's order -> file order
    np.savetxt(csv_path, rows, delimiter=",", header="timestamp,open,high,low,close,volume", comments="", fmt="%.17g")
    r = run(project, "backtest", "EmaCrossSLTP", "--candles", str(csv_path), "--fee", "0.0004", "--leverage", "2",
            "--json", "--csv", "--charts", "--out-dir", str(project / "out"))
    assert r.exit_code == EXIT_OK, r.output

    from jesse_dag.engine import run_backtest

    key = "Sandbox-BTC-USDT"
    ref = run_backtest(CONFIG, [{"exchange": "Sandbox", "strategy": load_parity_strategy("EmaCrossSLTP"),
                                 "symbol": "BTC-USDT", "timeframe": "15m"}], [],
                       {key: {"candles": trade[:minutes]}}, {key: {"candles": warm}}).result
    written = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in r.stdout.splitlines()
               if line.split(": ", 1)[0] in ("csv", "json", "charts")}
    assert set(written) == {"csv", "json", "charts"}
    data = json.loads(Path(written["json"]).read_text())
    assert len(data["trades"]) == len(ref["trades"]) > 50
    assert [t["PNL"] for t in data["trades"]] == [t["PNL"] for t in ref["trades"]]
    assert f"finishing_balance" in r.stdout and f"{ref['metrics']['finishing_balance']:,.4f}"[:8] in r.stdout
    chart = Path(written["charts"])  # plotly.js is shared beside it, not inside
    assert chart.stat().st_size > 100_000 and len(list(chart.parent.glob("plotly-*.min.js"))) == 1


def _ml_points(n=300, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X[:, 0] + 0.5 * rng.normal(size=n) > 0
    return [{"time": 1_700_000_000 + 900 * i, "features": {"f1": float(X[i, 0]), "f2": float(X[i, 1])},
             "label": {"name": "up", "value": bool(y[i])}, "label_time": 1_700_000_000 + 900 * (i + 3)}
            for i in range(n)]


def test_train_models_and_lineage(project):
    from jesse_dag.ml.csv_io import write_ml_data_csv

    sdir = project / "strategies" / "Gatherer"
    sdir.mkdir()
    (sdir / "__init__.py").write_text("from jesse_dag.strategies import Strategy\nclass Gatherer(Strategy):\n    pass\n")
    r = run(project, "train", "Gatherer")
    assert r.exit_code == EXIT_NOT_FOUND and "jesse-dag gather Gatherer" in r.output
    write_ml_data_csv(_ml_points(), sdir / "ml_data" / "Gatherer_data.csv")
    r = run(project, "train", "Gatherer", "--estimator", "sklearn.nope.Thing")
    assert r.exit_code == EXIT_USAGE and "cannot import" in r.output
    r = run(project, "train", "Gatherer", "--n-splits", "3", "--embargo", "1h")
    assert r.exit_code == EXIT_OK, r.output
    assert (sdir / "models" / "v0001" / "bundle.json").exists() and (sdir / "models" / "v0001" / "report.html").exists()
    assert "out of sample (purged): accuracy" in r.stdout
    assert "importance: Method: exact (Jesse's), on all 240 training samples" in r.stdout
    r = run(project, "train", "Gatherer", "--importance", "fast")
    assert r.exit_code == EXIT_OK and "importance: Method: subsample" in r.stdout and "on 240 of 240" in r.stdout

    r = run(project, "models", "list")
    assert "  Gatherer/v0001" in r.stdout and "* Gatherer/v0001" not in r.stdout
    r = run(project, "models", "deploy", "Gatherer", "v0001")
    assert r.exit_code == EXIT_OK and (sdir / "bundle.json").exists()
    assert "* Gatherer/v0001" in run(project, "models", "list").stdout
    r = run(project, "models", "inspect", "Gatherer")
    assert r.exit_code == EXIT_OK and json.loads(r.stdout)["feature_names"] == ["f1", "f2"]
    r = run(project, "lineage", "Gatherer/v0001")
    assert r.exit_code == EXIT_OK, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("candles") and any(l.startswith("samples   300 points") for l in lines)
    assert any("samples_csv" in l and "Gatherer_data.csv" in l for l in lines)
    assert any(l.startswith("bundle    Gatherer/v0001") for l in lines) and "deployed" in lines[-1]


def test_report_commands(project):
    from jesse_dag.ml.training import train_model
    from jesse_dag.research.pipeline import _jsonable
    from sklearn.linear_model import LogisticRegression

    res = train_model(_ml_points(), LogisticRegression(), verbose=False, validation="purged", n_splits=3, n_jobs=1)
    (project / "r.json").write_text(json.dumps(_jsonable(res)))
    r = run(project, "report", "ml", str(project / "r.json"), "-o", str(project / "ml.html"))
    assert r.exit_code == EXIT_OK and (project / "ml.html").stat().st_size > 20_000  # plotly.js shared beside it
    assert len(list(project.glob("plotly-*.min.js"))) == 1
    (project / "bad.json").write_text("{")
    r = run(project, "report", "ml", str(project / "bad.json"), "-o", str(project / "x.html"))
    assert r.exit_code == EXIT_USAGE and "not valid JSON" in r.output
    run_ = {"mode": "baseline", "metrics": {"total": 1}, "trades": [], "equity": [[1_700_000_000, 1000.0]]}
    (project / "a.json").write_text(json.dumps(run_))
    (project / "b.json").write_text(json.dumps({"mode": "deployed"}))
    r = run(project, "report", "comparison", str(project / "a.json"), str(project / "b.json"), "-o", str(project / "c.html"))
    assert r.exit_code == EXIT_USAGE and "lacks ['metrics', 'trades', 'equity']" in r.output


def test_market_and_candles_windows_end_the_day_before_end_as_jesse(project):
    # --end is Jesse's finish_date: the day after the last trading day; a one-day window is one day of minutes
    csv_path = project / "c.csv"
    _candle_csv(csv_path, 3 * 1440)  # 2024-01-01 .. 2024-01-03
    assert run(project, "import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT").exit_code == 0
    (project / "strategies" / "Idle").mkdir()
    (project / "strategies" / "Idle" / "__init__.py").write_text(
        "from jesse_dag.strategies import Strategy\nclass Idle(Strategy):\n"
        "    def should_long(self): return False\n    def go_long(self): pass\n")
    window = ("--start", "2024-01-02", "--end", "2024-01-03", "--warmup-bars", "0")
    for source in (("--market", "Test:AAA-USDT"), ("--candles", str(csv_path))):
        r = run(project, "backtest", "Idle", *source, *window)
        assert r.exit_code == EXIT_OK, r.output
        assert "1,440 minutes (2024-01-02 00:00 .. 2024-01-02 23:59)" in r.stderr, (source, r.stderr)
    r = run(project, "backtest", "Idle", "--market", "Test:AAA-USDT", "--start", "2024-01-02", "--end", "2024-01-02")
    assert r.exit_code == EXIT_USAGE and "--end 2024-01-02 must be after --start 2024-01-02" in r.output


def test_backtest_refuses_a_candle_file_with_a_zero_price(project):
    csv_path = project / "c.csv"
    _candle_csv(csv_path, 600)
    lines = csv_path.read_text().splitlines()
    parts = lines[5].split(",")
    parts[1], parts[3] = "0", "0"  # open and low 0
    lines[5] = ",".join(parts)
    csv_path.write_text("\n".join(lines) + "\n")
    (project / "strategies" / "Idle").mkdir()
    (project / "strategies" / "Idle" / "__init__.py").write_text(
        "from jesse_dag.strategies import Strategy\nclass Idle(Strategy):\n    pass\n")
    r = run(project, "backtest", "Idle", "--candles", str(csv_path), "--warmup-bars", "0")
    assert r.exit_code == EXIT_FAILED
    assert "c.csv: row 4 (line 6): open is 0.0 (prices must be above zero" in r.output


def test_import_candles_on_conflict_replace_is_accepted_and_replaces(project):
    from jesse_dag.store import load_candles

    csv_path = project / "c.csv"
    rows = _candle_csv(csv_path, 100)
    args = ("import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT")
    assert run(project, *args).exit_code == EXIT_OK
    lines = csv_path.read_text().splitlines()
    parts = lines[5].split(",")
    parts[5] = "7.5"  # volume of the 5th minute differs
    lines[5] = ",".join(parts)
    csv_path.write_text("\n".join(lines) + "\n")
    r = run(project, *args, "--on-conflict", "replace")
    assert r.exit_code == EXIT_OK, r.output
    assert "0 added, 100 already stored, 1 conflicting (1 replaced)" in r.stdout
    stored = load_candles("Test", "AAA-USDT", db=project / "storage" / "jesse_dag.duckdb")
    assert stored[4, 5] == 7.5 and np.array_equal(np.delete(stored, 4, axis=0)[:, 0], np.delete(rows, 4, axis=0)[:, 0])


def test_ctrl_c_exits_130_even_when_the_rollback_fails_or_duckdb_reports_it(project, monkeypatch):
    import jesse_dag.store.candles as sc
    from jesse_dag.cli import EXIT_INTERRUPTED

    csv_path = project / "c.csv"
    _candle_csv(csv_path, 60)

    def interrupted(con, *args):
        con.close()  # the rollback after the interrupt fails too
        raise KeyboardInterrupt

    monkeypatch.setattr(sc, "_write_chunk", interrupted)
    r = run(project, "import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT")
    assert r.exit_code == EXIT_INTERRUPTED and "interrupted" in r.stderr

    def duckdb_interrupted(con, *args):
        raise RuntimeError("Query interrupted")  # what DuckDB raises when SIGINT arrives during a query

    monkeypatch.setattr(sc, "_write_chunk", duckdb_interrupted)
    r = run(project, "import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT")
    assert r.exit_code == EXIT_INTERRUPTED

    import jesse_dag.cli as cli

    def ctrl_c(ctx):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_project", ctrl_c)  # in a command without its own error handling
    r = run(project, "ui")
    assert r.exit_code == EXIT_INTERRUPTED and "Aborted" not in r.output


def test_a_sqlite_file_as_the_store_is_refused_naming_it(project):
    import sqlite3

    db = project / "my.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
    csv_path = project / "c.csv"
    _candle_csv(csv_path, 10)
    r = run(project, "import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT", "--db", str(db))
    assert r.exit_code == EXIT_FAILED
    assert f"{db} is not a DuckDB store (a SQLite database)" in r.output and "extension" not in r.output


def test_report_json_that_is_not_text_is_a_usage_error_naming_it(project):
    path = project / "r.json"
    path.write_bytes(b"\xff\xfe\x00\x01")
    r = run(project, "report", "ml", str(path), "-o", str(project / "o.html"))
    assert r.exit_code == EXIT_USAGE and f"{path}: not valid JSON (not UTF-8 text" in r.output


def test_import_candles_into_a_parquet_store_uri(project):
    from jesse_dag.store import folder_uri, list_markets

    csv_path = project / "c.csv"
    _candle_csv(csv_path, 600)
    uri = folder_uri(project / "shared" / "store")
    args = ("--no-progress", "import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT", "--db", uri)
    assert "600 added, 0 already stored" in run(project, *args).stdout
    assert "0 added, 600 already stored" in run(project, *args).stdout
    assert [(m.symbol, m.rows) for m in list_markets(uri)] == [("AAA-USDT", 600)]
    assert not (project / "storage" / "jesse_dag.duckdb").exists()


def test_the_cli_uses_the_store_the_project_file_names(project):
    from jesse_dag.store import folder_uri, list_markets

    (project / "project.yaml").write_text("storage: {kind: parquet, uri: shared/store}\n")
    csv_path = project / "c.csv"
    _candle_csv(csv_path, 100)
    r = run(project, "--no-progress", "import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT")
    assert "100 added" in r.stdout, r.output
    assert [m.rows for m in list_markets(folder_uri(project / "shared" / "store"))] == [100]
    (project / "project.yaml").write_text("storage: {kind: parquet, uri: s3://b/p, secret: x}\n")
    r = run(project, "--no-progress", "import-candles", str(csv_path), "--exchange", "Test", "--symbol", "AAA-USDT")
    assert r.exit_code == EXIT_USAGE and "credentials never go into project.yaml" in r.output
