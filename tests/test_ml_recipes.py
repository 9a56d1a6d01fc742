"""Jesse's ML docs, run as written after the import rename: gather, ``train_model(save_to="strategies/X")``,
the class-attribute switch ``mod.X.ml_mode = "deploy"`` and a route naming ``"X"``; how a route name is
resolved (the same class object, never a file outside ``strategies/``); ``hyperparameters=`` / ``--hp``."""
from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

from jesse_dag import research
from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.cli import EXIT_OK, EXIT_USAGE, main
from jesse_dag.engine import InvalidRoutes, run_backtest
from jesse_dag.engine.exceptions import InvalidHyperparameters
from jesse_dag.engine.strategy_loading import load_strategy_class

# A strategy written the way Jesse's ML docs write one (only the imports renamed): ml_features() is the one
# source of features; gather mode records them every bar and labels "next bar closes higher"; deploy mode
# buys when the model says so and exits a bar later. Every deploy-mode probability is kept on the class.
ML_DOC = textwrap.dedent('''
    import jesse_dag.indicators as ta
    from jesse_dag.strategies import Strategy


    class MLDoc(Strategy):
        probabilities = []

        def hyperparameters(self):
            return [{"name": "rsi_period", "type": int, "min": 5, "max": 30, "default": 14},
                    {"name": "threshold", "type": float, "min": 0.4, "max": 0.9, "default": 0.5}]

        def ml_features(self) -> dict:
            closes = self.candles[:, 2]
            return {"ret_1": float(closes[-1] / closes[-2] - 1) * 100,
                    "ret_4": float(closes[-1] / closes[-5] - 1) * 100,
                    "rsi_centered": (ta.rsi(self.candles, self.hp["rsi_period"]) - 50) / 50}

        def before(self):
            if self.ml_mode != "gather":
                return
            if self.vars.get("open_close") is not None:
                self.record_label("up", bool(self.close > self.vars["open_close"]))
            self.record_features(self.ml_features())
            self.vars["open_close"] = self.close

        def should_long(self) -> bool:
            if self.ml_mode != "deploy":
                return False
            p = self.ml_predict_proba()[1]
            type(self).probabilities.append(p)
            return p > self.hp["threshold"]

        def go_long(self):
            self.buy = 0.1, self.price

        def update_position(self):
            if self.index > self.last_trade_index:
                self.liquidate()
''')

CONFIG = {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
          "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 40}
KEY = "Sandbox-BTC-USDT"
ROUTES = [{"exchange": "Sandbox", "strategy": "MLDoc", "symbol": "BTC-USDT", "timeframe": "15m"}]


def _candles(first_day: int, days: int):
    market = synthetic_market(days=12, seed=11, plant_signal=True)
    warm = 40 * 15
    start = first_day * 1440 + warm
    return ({KEY: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": market[start:start + days * 1440]}},
            {KEY: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": market[start - warm:start]}})


def _forget_strategies_package():
    for name in [m for m in sys.modules if m == "strategies" or m.startswith("strategies.")]:
        del sys.modules[name]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A Jesse project as cwd, on sys.path as when a research script runs from it; no registry elsewhere."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("JESSE_DAG_ML_REGISTRY", raising=False)
    monkeypatch.delenv("JESSE_DAG_DB", raising=False)
    folder = tmp_path / "strategies" / "MLDoc"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(ML_DOC)
    _forget_strategies_package()  # another test may have imported another project's `strategies`
    yield tmp_path
    _forget_strategies_package()


def test_jesse_ml_docs_gather_train_save_to_and_the_class_attribute_switch(project):
    import strategies.MLDoc as mod  # what Jesse's docs do

    candles, warm = _candles(0, 6)
    # 1. gather (the class's default mode)
    gathered = research.gather_ml_data(CONFIG, ROUTES, [], candles, warm, verbose=False)
    assert len(gathered["data_points"]) > 400 and mod.MLDoc.probabilities == []
    # 2. train and save into the strategy folder, as the docs do
    data = research.load_ml_data_csv("MLDoc")
    trained = research.train_model(data, LogisticRegression(), save_to="strategies/MLDoc", verbose=False, n_jobs=1)
    folder = Path("strategies/MLDoc")
    bundle = trained["bundle"]
    assert bundle["version"] == "v0001" and bundle["deployed"]
    for f in ("model.pkl", "scaler.pkl", "feature_importance.pkl"):  # Jesse's files, where deploy mode reads them
        assert (folder / f).read_bytes() == (folder / "models" / "v0001" / f).read_bytes()
    manifest = json.loads((folder / "models" / "v0001" / "bundle.json").read_text())
    assert manifest["feature_names"] == ["ret_1", "ret_4", "rsi_centered"] and manifest["data"]["n_samples"] == len(data)
    from jesse_dag.ml import ModelRegistry
    assert ModelRegistry().deployed("MLDoc")["version"] == "v0001"  # the lineage is kept in the registry

    # 3. the class-attribute switch, then a route naming the strategy: the same class object runs
    mod.MLDoc.ml_mode = "deploy"
    later, later_warm = _candles(6, 3)
    run = run_backtest(CONFIG, ROUTES, [], later, later_warm)
    assert type(run.strategies[0]) is mod.MLDoc and run.strategies[0].ml_mode == "deploy"
    result = research.backtest(CONFIG, ROUTES, [], later, later_warm)
    probabilities = mod.MLDoc.probabilities
    assert len(probabilities) > 100  # deploy mode asked the model on every flat bar
    assert 0 < result["metrics"]["total"] < len(probabilities)  # and traded on some of them only
    # the model in use is the one just trained
    s = run.strategies[0]
    row = [[0.3, -0.2, 0.1]]
    expected = trained["model"].predict_proba(trained["scaler"].transform(row))[0, 1]
    assert s.ml_predict_proba(dict(zip(["ret_1", "ret_4", "rsi_centered"], row[0])))[1] == pytest.approx(expected)

    # 4. a later training with save_to replaces the model the next backtest uses, as in Jesse
    retrained = research.train_model(data[: len(data) // 2], LogisticRegression(C=0.01), save_to="strategies/MLDoc",
                                     verbose=False, n_jobs=1)
    assert retrained["bundle"]["version"] == "v0002"
    run2 = run_backtest(CONFIG, ROUTES, [], later, later_warm)
    expected2 = retrained["model"].predict_proba(retrained["scaler"].transform(row))[0, 1]
    assert expected2 != pytest.approx(expected)
    assert run2.strategies[0].ml_predict_proba(dict(zip(["ret_1", "ret_4", "rsi_centered"], row[0])))[1] == \
        pytest.approx(expected2)


def test_a_route_name_resolves_to_the_imported_class_and_loads_it_once(project):
    cls = load_strategy_class("MLDoc")
    import strategies.MLDoc as mod

    assert cls is mod.MLDoc is load_strategy_class("MLDoc")
    assert sys.modules["strategies.MLDoc"] is mod


@pytest.mark.parametrize("name", ["../MLDoc", "MLDoc/../MLDoc", "strategies.MLDoc", "os.path", "", "class", "/tmp/x"])
def test_a_strategy_name_that_is_not_an_identifier_is_refused(project, name):
    with pytest.raises(InvalidRoutes, match="not a Python identifier"):
        research.backtest(CONFIG, [{**ROUTES[0], "strategy": name}], [], *_candles(0, 1))


def test_a_strategy_folder_that_resolves_outside_strategies_is_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "__init__.py").write_text("raise SystemExit('this file must never run')\n")
    try:
        os.symlink(outside, project / "strategies" / "Elsewhere")
    except OSError:
        pytest.skip("symlinks are not available here")
    with pytest.raises(InvalidRoutes, match="outside"):
        load_strategy_class("Elsewhere")


def test_an_error_while_importing_a_strategy_keeps_its_class_and_names_the_file(project):
    folder = project / "strategies" / "Broken"
    folder.mkdir()
    (folder / "__init__.py").write_text("import no_such_module_here\n")
    with pytest.raises(ModuleNotFoundError) as info:
        load_strategy_class("Broken")
    assert "while importing strategy 'Broken'" in info.value.__notes__[0]


def test_hyperparameters_merge_with_the_defaults_and_unknown_names_are_refused(project):
    candles, warm = _candles(0, 1)
    run = run_backtest(CONFIG, ROUTES, [], candles, warm, hyperparameters={"threshold": 0.7},
                       merge_hyperparameters=True)
    assert run.strategies[0].hp == {"rsi_period": 14, "threshold": 0.7}
    research.backtest(CONFIG, ROUTES, [], candles, warm, hyperparameters={"rsi_period": 7})  # runs: merged
    with pytest.raises(InvalidHyperparameters, match=r"\['thresold'\] are not declared by MLDoc.hyperparameters\(\); "
                                                     r"known: \['rsi_period', 'threshold'\]"):
        research.backtest(CONFIG, ROUTES, [], candles, warm, hyperparameters={"thresold": 0.7})
    # the engine itself stays Jesse's: the dict replaces hp as given, so the strategy misses rsi_period
    with pytest.raises(KeyError, match="rsi_period") as info:
        run_backtest(CONFIG, ROUTES, [], candles, warm, hyperparameters={"threshold": 0.7})
    assert "'MLDoc', before()" in info.value.__notes__[0]


def _candle_csv(path: Path, first_day: int, days: int) -> None:
    candles, warm = _candles(first_day, days)
    rows = np.concatenate([warm[KEY]["candles"], candles[KEY]["candles"]])
    with open(path, "w") as fh:
        fh.write("timestamp,open,close,high,low,volume\n")  # Jesse's column order, named
        for r in rows:
            fh.write(f"{int(r[0])}," + ",".join(repr(float(x)) for x in r[1:]) + "\n")


def test_cli_gather_runs_in_gather_mode_and_hp_merges_or_is_refused(project):
    # the class says deploy and there is no model: gather still records, as its help says
    source = (project / "strategies" / "MLDoc" / "__init__.py")
    source.write_text(ML_DOC.replace("class MLDoc(Strategy):\n", "class MLDoc(Strategy):\n    ml_mode = 'deploy'\n"))
    assert "ml_mode = 'deploy'" in source.read_text()
    _candle_csv(project / "c.csv", 0, 2)
    base = ["--project-dir", str(project)]
    runner = CliRunner()
    r = runner.invoke(main, [*base, "gather", "MLDoc", "--candles", "c.csv", "--warmup-bars", "40",
                             "--hp", '{"rsi_period": 7}'], catch_exceptions=False)
    assert r.exit_code == EXIT_OK, r.output
    points = research.load_ml_data_csv("MLDoc")
    assert len(points) > 100 and set(points[0]["features"]) == {"ret_1", "ret_4", "rsi_centered"}
    r = runner.invoke(main, [*base, "backtest", "MLDoc", "--candles", "c.csv", "--warmup-bars", "40",
                             "--hp", '{"rsi_perod": 7}'], catch_exceptions=False)
    assert r.exit_code == EXIT_USAGE and "['rsi_perod']" in r.output and "known: ['rsi_period', 'threshold']" in r.output


def test_cli_names_the_strategy_and_hook_of_a_failure(project):
    source = (project / "strategies" / "MLDoc" / "__init__.py")
    source.write_text(ML_DOC.replace("class MLDoc(Strategy):\n", "class MLDoc(Strategy):\n    ml_mode = 'deploy'\n"))
    assert "ml_mode = 'deploy'" in source.read_text()
    _candle_csv(project / "c.csv", 0, 1)
    r = CliRunner().invoke(main, ["--project-dir", str(project), "backtest", "MLDoc", "--candles", "c.csv",
                                  "--warmup-bars", "40"], catch_exceptions=False)
    # deploy mode without a model: Jesse's FileNotFoundError, and where it happened
    assert r.exit_code != EXIT_OK and "model.pkl" in r.output and "'MLDoc', should_long()" in r.output
