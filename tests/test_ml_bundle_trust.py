"""A bundle never runs foreign code: every artefact listed, the bytes hashed are the bytes loaded, symlinks
refused, skops copies loaded with an allowlist, the registry's hashes checked on deploy; names in settings
are only estimator classes.

Each attack plants a ``model.pkl`` (or ``model.skops``) that writes a marker file when it is loaded, and
asserts the marker never appears and the error names the file and the problem.
"""
from __future__ import annotations

import hashlib
import json
import os
import types
from pathlib import Path

import joblib
import pytest
from sklearn.linear_model import LogisticRegression

from jesse_dag.ml import bundle as bundle_module
from jesse_dag.ml.bundle import BundleError, deploy_bundle, load_ml_model, save_bundle
from jesse_dag.ml.estimators import EstimatorRefused, estimator_class, make_estimator
from jesse_dag.ml.registry import ModelRegistry
from jesse_dag.ml.training import train_model
from tests.test_ml_bundle import _points, project  # noqa: F401 - the project fixture


class _RunsCode:
    """Unpickling this writes ``marker``: what a malicious model.pkl does."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').write('ran')",)


class _RunsCodeOnSetstate:
    """Loaded from a skops archive by a loader that trusts it, this writes ``marker``."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __setstate__(self, state):
        Path(state["marker"]).write_text("ran")
        self.__dict__.update(state)


class _MyLogistic(LogisticRegression):
    """An estimator class of the user's own: skops cannot hold it, so the bundle keeps the pickle only."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit_manifest(directory: Path, edit) -> None:
    m = json.loads((directory / "bundle.json").read_text())
    m = edit(m)
    (directory / "bundle.json").write_text(json.dumps(m))


@pytest.fixture(scope="module")
def trained():
    """One training for the module (the attacks are on the files, not on the training)."""
    return train_model(_points(), LogisticRegression(), verbose=False, n_jobs=1)


@pytest.fixture
def deployed(project, tmp_path, trained):  # noqa: F811 - the fixture imported above
    """A bundle saved, registered and deployed into the strategy folder: (strategy folder, bundle, marker)."""
    folder, _ = project
    b = save_bundle(trained, folder, _points(), LogisticRegression())
    deploy_bundle(b["path"])
    return folder, Path(b["path"]), tmp_path / "MARKER"


def _plant_pickle(path: Path, marker: Path) -> None:
    if path.is_symlink():
        path.unlink()
    joblib.dump(_RunsCode(marker), path)


def test_a_malicious_pickle_runs_code_when_unpickled(tmp_path):
    """The attack the other tests rely on is real: loading it with joblib writes the marker."""
    marker = tmp_path / "MARKER"
    _plant_pickle(tmp_path / "model.pkl", marker)
    joblib.load(tmp_path / "model.pkl")
    assert marker.read_text() == "ran"


@pytest.mark.parametrize("edit, problem", [
    (lambda m: {**m, "files": {k: v for k, v in m["files"].items() if k != "model.pkl"}},
     "key 'files' has no entry for model.pkl"),
    (lambda m: {**m, "files": {}}, "key 'files' has no entry for model.pkl"),
    (lambda m: {k: v for k, v in m.items() if k != "files"}, "key 'files' is absent"),
], ids=["entry-removed", "files-empty", "files-absent"])
def test_an_unlisted_model_pkl_is_never_loaded(deployed, edit, problem):
    folder, _, marker = deployed
    _plant_pickle(folder / "model.pkl", marker)
    _edit_manifest(folder, edit)
    with pytest.raises(BundleError) as err:
        load_ml_model(folder)
    assert str(folder / "bundle.json") in str(err.value) and problem in str(err.value)
    assert not marker.exists()


def test_a_replaced_model_pkl_with_its_hash_updated_is_not_unpickled_and_not_deployed(deployed):
    folder, bundle, marker = deployed
    for d in (folder, bundle):
        _plant_pickle(d / "model.pkl", marker)
        _edit_manifest(d, lambda m: {**m, "files": {**m["files"], "model.pkl": _sha(d / "model.pkl")}})
    loaded = load_ml_model(folder)  # jesse-dag loads the skops copy; Jesse's model.pkl is only hashed
    assert type(loaded["model"]) is LogisticRegression and not marker.exists()
    # the registry recorded model.pkl's hash at training: deploying the edited bundle is refused
    before = (folder / "model.pkl").read_bytes()
    with pytest.raises(BundleError) as err:
        deploy_bundle(bundle)
    msg = str(err.value)
    assert str(bundle / "model.pkl") in msg and "the model registry recorded" in msg and "nothing was deployed" in msg
    assert (folder / "model.pkl").read_bytes() == before and not marker.exists()


def test_a_replaced_model_skops_with_its_hash_updated_is_refused_by_the_allowlist(deployed):
    import skops.io as sio

    folder, _, marker = deployed
    (folder / "model.skops").write_bytes(sio.dumps(_RunsCodeOnSetstate(marker)))
    _edit_manifest(folder, lambda m: {**m, "files": {**m["files"], "model.skops": _sha(folder / "model.skops")}})
    with pytest.raises(BundleError) as err:
        load_ml_model(folder)
    msg = str(err.value)
    assert str(folder / "model.skops") in msg and "not on the allowlist" in msg and "_RunsCodeOnSetstate" in msg
    assert not marker.exists()


@pytest.mark.parametrize("name", ["model.pkl", "model.skops", "bundle.json"])
def test_a_symlinked_file_is_refused(deployed, tmp_path, name):
    folder, _, marker = deployed
    outside = tmp_path / f"outside-{name}"
    if name == "model.pkl":
        _plant_pickle(outside, marker)
        _edit_manifest(folder, lambda m: {**m, "files": {**m["files"], "model.pkl": _sha(outside)}})
    else:  # the very same bytes, from outside the folder: still refused
        outside.write_bytes((folder / name).read_bytes())
    (folder / name).unlink()
    (folder / name).symlink_to(outside)
    with pytest.raises(BundleError) as err:
        load_ml_model(folder)
    assert str(folder / name) in str(err.value) and "is a symbolic link" in str(err.value)
    assert not marker.exists()


def test_the_bytes_hashed_are_the_bytes_loaded(project, tmp_path, monkeypatch):  # noqa: F811
    """model.pkl is swapped for a malicious one right after its hash is taken: what is loaded (and what
    a deploy copies) is still what was hashed."""
    folder, _ = project
    marker = tmp_path / "MARKER"
    r = train_model(_points(), _MyLogistic(), save_to=str(folder), verbose=False, n_jobs=1)
    bundle = Path(r["bundle"]["path"])
    good = (bundle / "model.pkl").read_bytes()
    _plant_pickle(tmp_path / "evil.pkl", marker)
    evil = (tmp_path / "evil.pkl").read_bytes()

    class SwapAfterHashing:
        """hashlib.sha256 whose digest, once it has hashed the good model.pkl, swaps the file on disk."""

        def __init__(self, data=b""):
            self._h, self._seen = hashlib.sha256(data), bytes(data)

        def update(self, data):
            self._h.update(data)
            self._seen += bytes(data)

        def hexdigest(self):
            if self._seen == good:
                for d in (bundle, folder):
                    if (d / "model.pkl").exists():
                        (d / "model.pkl").write_bytes(evil)
            return self._h.hexdigest()

    monkeypatch.setattr(bundle_module, "hashlib", types.SimpleNamespace(sha256=SwapAfterHashing))
    with pytest.warns(UserWarning, match="model.pkl was unpickled after its sha256 matched"):
        loaded = load_ml_model(bundle)
    assert type(loaded["model"]) is _MyLogistic and not marker.exists()
    assert loaded["manifest"]["model_format"] == "pickle" and not (bundle / "model.skops").exists()
    (bundle / "model.pkl").write_bytes(good)
    deploy_bundle(bundle)
    assert (folder / "model.pkl").read_bytes() == good and not marker.exists()


@pytest.mark.parametrize("manifest, key", [
    ([], "expected a JSON object (a bundle manifest), got a list"),
    ({"format": "jesse-dag-bundle/2"}, "key 'model_format'"),
    ("files-list", "key 'files' is a list"),
    ("hash-number", "key 'files.model.pkl' is 42"),
    ("path-in-name", "key 'files' lists '../model.pkl'"),
    ("features-text", "key 'feature_names' is 'abc'"),
    ("task-wrong", "key 'task' is 'classify'"),
], ids=["list", "keys-missing", "files-list", "hash-number", "path-in-name", "features-text", "task-wrong"])
def test_a_manifest_of_the_wrong_shape_is_refused_naming_file_and_key(deployed, manifest, key):
    folder, _, marker = deployed
    real = json.loads((folder / "bundle.json").read_text())
    edits = {
        "files-list": {**real, "files": list(real["files"])},
        "hash-number": {**real, "files": {**real["files"], "model.pkl": 42}},
        "path-in-name": {**real, "files": {**real["files"], "../model.pkl": real["files"]["model.pkl"]}},
        "features-text": {**real, "feature_names": "abc"},
        "task-wrong": {**real, "task": "classify"},
    }
    (folder / "bundle.json").write_text(json.dumps(edits.get(manifest, manifest) if isinstance(manifest, str)
                                                   else manifest))
    _plant_pickle(folder / "model.pkl", marker)
    with pytest.raises(BundleError) as err:
        load_ml_model(folder)
    assert str(folder / "bundle.json") in str(err.value) and key in str(err.value)
    assert not marker.exists()


def test_deploy_without_registry_record_and_the_registry_lookup(project, tmp_path):  # noqa: F811
    """A bundle the registry does not know (trained elsewhere) deploys after its own checks."""
    folder, _ = project
    r = train_model(_points(), LogisticRegression(), save_to=str(tmp_path / "elsewhere"), verbose=False, n_jobs=1)
    other = ModelRegistry(tmp_path / "other.duckdb")
    assert other.find(path=tmp_path / "elsewhere") == []
    deploy_bundle(tmp_path / "elsewhere", folder, registry=other)
    assert load_ml_model(folder)["manifest"]["files"] == r["bundle"]["manifest"]["files"]
    assert ModelRegistry().find(path=tmp_path / "elsewhere")[0]["files"] == r["bundle"]["manifest"]["files"]


# ── estimators named in settings ───────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", ["os.system", "subprocess.Popen", "builtins.exec", "sklearn.base.BaseEstimator",
                                  "sklearn.preprocessing.StandardScaler", "sklearn.utils.Bunch"])
def test_names_that_are_not_estimator_classes_are_refused(name):
    with pytest.raises(EstimatorRefused, match=f"estimator '{name}' refused"):
        make_estimator(name, {}, task="binary")


def test_the_task_must_match_and_parameters_are_named():
    assert type(make_estimator("sklearn.ensemble.RandomForestClassifier", {"n_estimators": 3}, task="binary")
                ).__name__ == "RandomForestClassifier"
    with pytest.raises(EstimatorRefused, match="not a classifier .task 'binary'."):
        make_estimator("sklearn.linear_model.Ridge", {}, task="binary")
    with pytest.raises(EstimatorRefused, match="not a regressor"):
        make_estimator("sklearn.linear_model.LogisticRegression", {}, task="regression")
    with pytest.raises(EstimatorRefused, match="unexpected keyword argument 'Cx'.*it takes C, class_weight"):
        make_estimator("sklearn.linear_model.LogisticRegression", {"Cx": 1.0}, task="binary")
    assert estimator_class("sklearn.ensemble.HistGradientBoostingClassifier").__name__ == \
        "HistGradientBoostingClassifier"


def test_cli_train_refuses_a_command_as_estimator(tmp_path):
    from tests.test_cli import _ml_points, run
    from jesse_dag.cli import EXIT_USAGE
    from jesse_dag.ml.csv_io import write_ml_data_csv

    sdir = tmp_path / "strategies" / "Gatherer"
    sdir.mkdir(parents=True)
    (sdir / "__init__.py").write_text("from jesse_dag.strategies import Strategy\n"
                                      "class Gatherer(Strategy):\n    pass\n")
    write_ml_data_csv(_ml_points(), sdir / "ml_data" / "Gatherer_data.csv")
    marker = tmp_path / "MARKER"
    r = run(tmp_path, "train", "Gatherer", "--estimator", "subprocess.Popen",
            "--params", json.dumps({"args": f"touch {marker}", "shell": True}))
    assert r.exit_code == EXIT_USAGE and "estimator 'subprocess.Popen' refused" in r.output
    assert "--estimator" in r.output and not marker.exists()


def test_project_estimator_class_os_system_is_refused(tmp_path):
    from jesse_dag.research.pipeline import _estimator

    marker = tmp_path / "MARKER"
    pipeline = types.SimpleNamespace(name="p1", task="binary",
                                     estimator={"class": "os.system", "params": {"command": f"touch {marker}"}})
    with pytest.raises(EstimatorRefused) as err:
        _estimator(pipeline)
    assert "project.yaml: pipelines.p1.estimator" in str(err.value) and "'os.system' refused" in str(err.value)
    assert not marker.exists() and not os.path.exists(marker)


def test_the_estimators_we_train_load_from_their_skops_copies(project):  # noqa: F811
    """HistGradientBoosting's tree predictors and a forest's trees are on the allowlist: the skops copy
    loads and predicts exactly what the trained model does."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    folder, _ = project
    for est in (HistGradientBoostingClassifier(max_iter=10, random_state=0),
                RandomForestClassifier(n_estimators=5, random_state=0)):
        r = train_model(_points(), est, save_to=str(folder), verbose=False, n_jobs=1)
        loaded = load_ml_model(r["bundle"]["path"])
        assert loaded["manifest"]["model_format"] == "skops" and type(loaded["model"]) is type(est)
        X = r["scaler"].transform([[0.3, -0.2, 0.1], [-1.0, 1.0, 0.0]])
        assert (loaded["model"].predict_proba(X) == r["model"].predict_proba(X)).all()
        assert loaded["feature_importance"]["feature_names"] == ["a", "b", "noise"]


def test_a_fifo_in_place_of_a_file_is_refused_without_blocking(deployed):
    folder, _, _ = deployed
    (folder / "model.skops").unlink()
    os.mkfifo(folder / "model.skops")
    with pytest.raises(BundleError, match="model.skops: not a regular file"):
        load_ml_model(folder)


def test_a_bundle_saved_before_the_skops_copies_loads_its_checked_pickles_with_a_warning(deployed, trained):
    folder, bundle, _ = deployed
    for f in ("model.skops", "scaler.skops", "feature_importance.json"):
        (bundle / f).unlink()
    _edit_manifest(bundle, lambda m: {**{k: v for k, v in m.items() if k != "model_format"},
                                      "format": "jesse-dag-bundle/1",
                                      "files": {k: v for k, v in m["files"].items() if k.endswith(".pkl")}})
    with pytest.warns(UserWarning, match="saved before jesse-dag kept skops copies"):
        loaded = load_ml_model(bundle)
    X = trained["scaler"].transform([[0.3, -0.2, 0.1]])
    assert (loaded["model"].predict_proba(X) == trained["model"].predict_proba(X)).all()
    assert loaded["feature_importance"]["feature_names"] == ["a", "b", "noise"]


def test_cli_models_inspect_checks_the_registry_hashes(deployed):
    from tests.test_cli import run
    from jesse_dag.cli import EXIT_OK

    folder, bundle, marker = deployed
    project_dir = folder.parents[1]
    assert run(project_dir, "models", "inspect", "Demo", "v0001").exit_code == EXIT_OK
    assert run(project_dir, "models", "inspect", "Demo").exit_code == EXIT_OK  # the deployed copy
    _plant_pickle(bundle / "model.pkl", marker)
    _edit_manifest(bundle, lambda m: {**m, "files": {**m["files"], "model.pkl": _sha(bundle / "model.pkl")}})
    r = run(project_dir, "models", "inspect", "Demo", "v0001")
    assert r.exit_code != EXIT_OK and "model.pkl" in r.output and "the model registry recorded" in r.output
    assert not marker.exists()
