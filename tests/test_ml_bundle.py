"""Bundles: versioned save, separate atomic deploy, registry lineage, and the checks on load/predict."""
from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from jesse_dag.ml.bundle import BundleError, JOURNAL, deploy_bundle, load_ml_model
from jesse_dag.ml.registry import ModelRegistry
from jesse_dag.ml.training import train_model

STRATEGY_SOURCE = textwrap.dedent('''
    from jesse_dag.ml.recording import MLMixin

    class Demo(MLMixin):
        feature_names = ("a", "b", "noise")
        values = {"a": 0.0, "b": 0.0, "noise": 0.0}

        def ml_features(self):
            return {k: self.values[k] for k in self.feature_names}
''')


def _points(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = X[:, 0] - 0.5 * X[:, 1] + 0.3 * rng.normal(size=n) > 0
    return [{"time": 1_700_000_000 + 900 * i, "features": {"a": X[i, 0], "b": X[i, 1], "noise": X[i, 2]},
             "label": {"name": "up", "value": bool(y[i])}, "label_time": 1_700_000_000 + 900 * (i + 3),
             "route": "Sandbox-BTC-USDT-15m"} for i in range(n)]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A Jesse-style project: strategies/Demo/__init__.py and storage/ under a temporary cwd."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JESSE_DAG_ML_REGISTRY", raising=False)
    monkeypatch.delenv("JESSE_DAG_DB", raising=False)
    folder = tmp_path / "strategies" / "Demo"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(STRATEGY_SOURCE)
    spec = importlib.util.spec_from_file_location("demo_strategy_under_test", folder / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_strategy_under_test"] = module
    spec.loader.exec_module(module)
    yield folder, module.Demo
    sys.modules.pop("demo_strategy_under_test", None)


def test_training_with_deploy_false_makes_versions_and_never_deploys(project):
    folder, _ = project
    r1 = train_model(_points(), LogisticRegression(), save_to=str(folder), verbose=False, n_jobs=1,
                     lineage={"candles": {"Sandbox-BTC-USDT": {"sha256": "abc"}}}, deploy=False)
    r2 = train_model(_points(seed=1), LogisticRegression(C=0.5), save_to=str(folder), verbose=False, n_jobs=1,
                     deploy=False)
    assert r1["bundle"]["version"] == "v0001" and r2["bundle"]["version"] == "v0002"
    assert not (folder / "model.pkl").exists()  # nothing deployed by training
    m = json.loads((folder / "models" / "v0002" / "bundle.json").read_text())
    assert m["feature_names"] == ["a", "b", "noise"] and m["task"] == "binary" and m["label_name"] == "up"
    assert m["estimator"] == {"class": "sklearn.linear_model._logistic.LogisticRegression",
                              "params": {**{k: v for k, v in LogisticRegression(C=0.5).get_params().items()}}}
    assert m["training_window"]["train_size"] == 240 and m["training_window"]["first_time"] == 1_700_000_000
    assert m["libraries"]["scikit-learn"] and m["metrics"]["accuracy"] == r2["metrics"]["accuracy"]
    assert set(m["files"]) == {"model.pkl", "scaler.pkl", "feature_importance.pkl",  # Jesse's
                               "model.skops", "scaler.skops", "feature_importance.json"}  # ours, never unpickled
    assert m["format"] == "jesse-dag-bundle/2" and m["model_format"] == "skops"
    assert ModelRegistry().find(bundle_id="Demo/v0002")[0]["files"] == m["files"]
    reg = ModelRegistry()
    assert reg.path.resolve() == (folder.parents[1] / "storage" / "jesse_dag.duckdb").resolve()
    entries = reg.entries("Demo")
    assert [e["version"] for e in entries] == ["v0001", "v0002"]
    assert entries[0]["lineage"]["candles"]["Sandbox-BTC-USDT"]["sha256"] == "abc"
    assert entries[0]["data"]["fingerprint"] != entries[1]["data"]["fingerprint"]
    assert reg.deployed("Demo") is None
    with pytest.raises(FileNotFoundError, match="deploy one with jesse_dag.ml.deploy_bundle"):
        load_ml_model(folder)


def test_deploy_then_predict_in_the_strategy(project):
    folder, Demo = project
    r = train_model(_points(), LogisticRegression(), save_to=str(folder), verbose=False, n_jobs=1)
    deploy_bundle(r["bundle"]["path"])
    assert ModelRegistry().deployed("Demo")["version"] == "v0001"
    loaded = load_ml_model(folder, feature_names=["a", "b", "noise"])
    assert loaded["manifest"]["version"] == "v0001" and "feature_importance" in loaded
    s = Demo()
    s.values = {"a": 2.0, "b": -1.0, "noise": 0.0}
    proba = s.ml_predict_proba()
    expected = r["model"].predict_proba(r["scaler"].transform([[2.0, -1.0, 0.0]]))[0]
    assert proba == {0: pytest.approx(expected[0]), 1: pytest.approx(expected[1])} and proba[1] > 0.9
    assert s.ml_predict({"a": -2.0, "b": 1.0, "noise": 0.0}) == 0.0
    model = s._ml_model
    s.ml_predict_proba()
    assert s._ml_model is model  # loaded once per instance


def test_a_new_training_does_not_replace_the_deployed_model(project):
    folder, _ = project
    r1 = train_model(_points(), LogisticRegression(), save_to=str(folder), verbose=False, n_jobs=1)
    deploy_bundle(r1["bundle"]["path"])
    before = (folder / "model.pkl").read_bytes()
    train_model(_points(seed=5), LogisticRegression(C=0.1), save_to=str(folder), verbose=False, n_jobs=1,
                deploy=False)
    assert (folder / "model.pkl").read_bytes() == before
    assert load_ml_model(folder)["manifest"]["version"] == "v0001"


def test_tampered_missing_and_renamed_are_refused(project):
    folder, Demo = project
    r = train_model(_points(), LogisticRegression(), save_to=str(folder), verbose=False, n_jobs=1)
    deploy_bundle(r["bundle"]["path"])
    joblib.dump(LogisticRegression(), folder / "model.pkl")
    with pytest.raises(BundleError, match="model.pkl: sha256 .* differs"):
        Demo().ml_predict_proba()
    deploy_bundle(r["bundle"]["path"])
    (folder / "scaler.pkl").unlink()
    with pytest.raises(FileNotFoundError, match="scaler.pkl"):
        Demo().ml_predict_proba()
    deploy_bundle(r["bundle"]["path"])
    renamed = type("Renamed", (Demo,), {"feature_names": ("a", "b", "noise2"),
                                        "values": {"a": 0.0, "b": 0.0, "noise2": 0.0}})
    renamed.ml_model_dir = str(folder)
    with pytest.raises(BundleError, match=r"missing \['noise'\]; not in the model \['noise2'\]"):
        renamed().ml_predict_proba()
    s = Demo()
    with pytest.raises(BundleError, match="missing"):
        s.ml_predict_proba({"a": 1.0, "b": 2.0})


def test_interrupted_deploy_is_refused_then_finished(project):
    folder, _ = project
    r = train_model(_points(), LogisticRegression(), save_to=str(folder), verbose=False, n_jobs=1)
    (folder / JOURNAL).write_text("{}")
    with pytest.raises(BundleError, match="deploy was interrupted"):
        load_ml_model(folder)
    deploy_bundle(r["bundle"]["path"])
    assert not (folder / JOURNAL).exists() and load_ml_model(folder)["manifest"]["version"] == "v0001"
    assert not list(folder.glob(".*.deploying"))


def test_a_deploy_killed_before_the_registry_is_written_never_serves_an_unrecorded_version(project, monkeypatch):
    folder, _ = project
    r1 = train_model(_points(), LogisticRegression(), save_to=str(folder), verbose=False, n_jobs=1,
                     deploy=False)
    deploy_bundle(r1["bundle"]["path"])
    r2 = train_model(_points(seed=3), LogisticRegression(C=0.2), save_to=str(folder), verbose=False, n_jobs=1,
                     deploy=False)

    def killed(self, strategy, bundle_id, deployed_at=None):
        raise KeyboardInterrupt("killed between the files and the registry")

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(ModelRegistry, "mark_deployed", killed)
        deploy_bundle(r2["bundle"]["path"])
    assert ModelRegistry().deployed("Demo")["version"] == "v0001"
    with pytest.raises(BundleError, match="deploy was interrupted"):  # was: v0002 served, v0001 recorded
        load_ml_model(folder)
    deploy_bundle(r2["bundle"]["path"])  # finishes it
    assert ModelRegistry().deployed("Demo")["version"] == load_ml_model(folder)["manifest"]["version"] == "v0002"


def test_library_version_change_warns(project):
    folder, _ = project
    r = train_model(_points(), LogisticRegression(), save_to=str(folder), verbose=False, n_jobs=1)
    bundle = r["bundle"]["path"]
    manifest = json.loads((bundle / "bundle.json").read_text())
    manifest["libraries"]["scikit-learn"] = "0.0.1"
    (bundle / "bundle.json").write_text(json.dumps(manifest))
    with pytest.warns(UserWarning, match="saved with scikit-learn 0.0.1"):
        load_ml_model(bundle)


def test_a_folder_jesse_trained_loads_with_a_warning(project):
    folder, Demo = project
    r = train_model(_points(), LogisticRegression(), verbose=False, n_jobs=1)
    for name, obj in (("model.pkl", r["model"]), ("scaler.pkl", r["scaler"])):
        joblib.dump(obj, folder / name)  # what Jesse's save_to writes, no bundle.json
    with pytest.warns(UserWarning, match="no bundle.json .* could not be checked"):
        p = Demo().ml_predict_proba()
    assert set(p) == {0, 1}
    wrong = type("Wrong", (Demo,), {"feature_names": ("a", "b"), "values": {"a": 0.0, "b": 0.0}})
    wrong.ml_model_dir = str(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="trained on 3 features but Wrong.ml_features\\(\\) gives 2"):
            wrong().ml_predict_proba()


def test_save_to_a_plain_folder_writes_the_bundle_there(project, tmp_path):
    r = train_model(_points(), LogisticRegression(), save_to=str(tmp_path / "somewhere"), verbose=False, n_jobs=1)
    assert r["bundle"]["path"] == tmp_path / "somewhere"
    assert {p.name for p in (tmp_path / "somewhere").iterdir()} == {
        "model.pkl", "scaler.pkl", "feature_importance.pkl", "model.skops", "scaler.skops",
        "feature_importance.json", "bundle.json"}
    assert load_ml_model(tmp_path / "somewhere")["manifest"]["strategy"] is None
