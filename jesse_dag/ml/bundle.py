"""Model bundles: Jesse's three joblib files plus a ``bundle.json`` manifest; versioning and deploying.

A bundle folder holds ``model.pkl``, ``scaler.pkl``, ``feature_importance.pkl`` (what Jesse's
``load_ml_model`` reads) and ``bundle.json``: feature names in order, task, label name, estimator class and
parameters, training window, data fingerprint, lineage, library versions, metrics and the sha256 of each
file. Training into a strategy folder (one with ``__init__.py``) makes a new version under
``strategies/<Name>/models/<version>/``; :func:`deploy_bundle` is the separate step that copies one into
``strategies/<Name>/`` itself, where Jesse and :class:`~jesse_dag.ml.recording.MLMixin` read it.

Example:
    >>> b = train_model(points, LogisticRegression(), save_to="strategies/MyStrategy")  # doctest: +SKIP
    >>> deploy_bundle(b["bundle"]["path"])  # doctest: +SKIP
    >>> load_ml_model("strategies/MyStrategy")["manifest"]["version"]  # doctest: +SKIP
    'v0001'
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any, Sequence

import joblib
import numpy as np

from jesse_dag.ml.datapoints import DataPoint, dataset_fingerprint
from jesse_dag.ml.registry import ModelRegistry

MANIFEST = "bundle.json"
ARTIFACTS = ("model.pkl", "scaler.pkl", "feature_importance.pkl")
FORMAT = "jesse-dag-bundle/1"
JOURNAL = ".deploy-journal.json"
_VERSION_RE = re.compile(r"^v(\d{4,})$")


class BundleError(ValueError):
    """A bundle that cannot be trusted: a file missing, changed, or not matching the strategy."""


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose pickles a bundle depends on."""
    import joblib as _jl
    import scipy
    import sklearn

    import jesse_dag

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "joblib": _jl.__version__, "jesse_dag": jesse_dag.__version__}


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (np.generic,)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, float) and not np.isfinite(x):
        return None if np.isnan(x) else str(x)
    if isinstance(x, (bool, int, float, str)) or x is None:
        return x
    return repr(x)


def _estimator_params(est: Any) -> dict:
    try:
        return _plain(est.get_params(deep=False))
    except Exception:  # not an sklearn estimator: keep what we can say about it
        return {}


def is_strategy_folder(path: Path) -> bool:
    return (path / "__init__.py").is_file()


def next_version(models_dir: Path) -> str:
    """``v0001``, ``v0002``, ...: one more than the highest version already in ``models_dir``."""
    nums = [int(m.group(1)) for p in models_dir.glob("v*") if (m := _VERSION_RE.match(p.name))] \
        if models_dir.is_dir() else []
    return f"v{(max(nums) + 1 if nums else 1):04d}"


def _write_bundle_files(target: Path, result: dict, manifest: dict) -> dict:
    target.mkdir(parents=True, exist_ok=True)
    joblib.dump(result["model"], target / "model.pkl")
    joblib.dump(result["scaler"], target / "scaler.pkl")
    joblib.dump(result["feature_importance"], target / "feature_importance.pkl")
    manifest["files"] = {f: sha256_file(target / f) for f in ARTIFACTS}
    with open(target / MANIFEST, "w") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
    return manifest


def save_bundle(result: dict, save_to: str | os.PathLike, points: Sequence[DataPoint], estimator: Any,
                lineage: dict | None = None, registry: ModelRegistry | None = None) -> dict:
    """Write ``result`` (a ``train_model`` result) as a bundle and register it; never deploys.

    ``save_to`` a strategy folder (``strategies/<Name>``, has ``__init__.py``): a new version under its
    ``models/``. Any other folder: the bundle goes into that folder. Returns ``{path, version, strategy,
    bundle_id, deployed: False, manifest}``.
    """
    save_to = Path(save_to)
    if is_strategy_folder(save_to):
        strategy = save_to.name
        version = next_version(save_to / "models")
        target = save_to / "models" / version
    else:
        strategy = save_to.parent.parent.name if save_to.parent.name == "models" else None
        version = save_to.name
        target = save_to
    times = [int(p["time"]) for p in points]
    info = result["train_test_info"]
    label_times = [p["label_time"] for p in points if p.get("label_time") is not None]
    manifest = {
        "format": FORMAT, "strategy": strategy, "version": version,
        "feature_names": list(result["feature_names"]), "task": result["task"],
        "label_name": result["label_name"],
        "estimator": {"class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
                      "params": _estimator_params(estimator)},
        "training_window": {**info, "first_time": times[0], "train_last_time": times[info["train_size"] - 1],
                            "last_time": times[-1],
                            "last_label_time": max(label_times) if label_times else None},
        # time order, as in the CSV and the store: the id of the data set in ml_samples
        "data": {"fingerprint": dataset_fingerprint(points), "n_samples": len(points),
                 "routes": sorted({p["route"] for p in points if p.get("route")})},
        "lineage": _plain(lineage or {}),
        "libraries": library_versions(),
        "metrics": _plain(result["metrics"]),
        "validation_mean": _plain(result["validation"]["mean"]) if result.get("validation") else None,
    }
    # build beside the target then move in, so a crash never leaves a half bundle under models/
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        manifest = _write_bundle_files(staging, result, manifest)
        if target.exists():
            for f in ARTIFACTS + (MANIFEST,):  # manifest last: its hashes name the new files
                os.replace(staging / f, target / f)
            shutil.rmtree(staging)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    bundle_id = f"{strategy}/{version}" if strategy else str(target.resolve())
    (registry or ModelRegistry()).register({
        "bundle_id": bundle_id, "strategy": strategy, "version": version, "path": str(target.resolve()),
        "task": manifest["task"], "feature_names": manifest["feature_names"],
        "estimator": manifest["estimator"]["class"], "training_window": manifest["training_window"],
        "data": manifest["data"], "lineage": manifest["lineage"], "metrics": manifest["metrics"],
        "files": manifest["files"]})
    return {"path": target, "version": version, "strategy": strategy, "bundle_id": bundle_id,
            "deployed": False, "manifest": manifest}


def read_manifest(directory: str | os.PathLike) -> dict | None:
    path = Path(directory) / MANIFEST
    if not path.exists():
        return None
    try:
        with open(path) as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path}: not valid JSON ({exc})") from None


def verify_bundle(directory: str | os.PathLike, manifest: dict | None = None) -> dict:
    """Check every file the manifest lists exists and has its sha256; returns the manifest."""
    directory = Path(directory)
    journal = directory / JOURNAL
    if journal.exists():
        raise BundleError(f"{directory}: a deploy was interrupted ({journal} is present); run deploy_bundle "
                          "again to finish it")
    manifest = manifest or read_manifest(directory)
    if manifest is None:
        raise BundleError(f"{directory}: no {MANIFEST}")
    for f, digest in manifest.get("files", {}).items():
        p = directory / f
        if not p.exists():
            raise FileNotFoundError(f"{p}: missing; {directory / MANIFEST} lists it (sha256 {digest[:12]}…)")
        actual = sha256_file(p)
        if actual != digest:
            raise BundleError(f"{p}: sha256 {actual[:12]}… differs from the {digest[:12]}… recorded in "
                              f"{directory / MANIFEST}: the file was changed after training (or is from another "
                              "bundle); retrain or deploy a bundle again")
    return manifest


def _warn_versions(manifest: dict, directory: Path) -> None:
    recorded = manifest.get("libraries", {})
    now = library_versions()
    for lib in ("scikit-learn", "numpy", "scipy", "joblib"):
        if lib in recorded and recorded[lib] != now[lib]:
            warnings.warn(f"{directory}: the model was saved with {lib} {recorded[lib]} and is loaded with "
                          f"{now[lib]}; its predictions may differ", UserWarning, stacklevel=3)


def load_ml_model(directory: str | os.PathLike, feature_names: Sequence[str] | None = None) -> dict:
    """Load a bundle (or a folder Jesse trained), as Jesse's ``load_ml_model`` plus checks.

    Returns ``{'model', 'scaler'}`` (+ ``'feature_importance'`` when present, + ``'manifest'`` for a bundle).
    With ``bundle.json``: every file's sha256 is checked, a different library version warns, and
    ``feature_names`` (if given) must equal the manifest's. Without it (Jesse's folder) it loads with a
    warning that nothing could be checked. A missing ``model.pkl``/``scaler.pkl`` raises
    ``FileNotFoundError``.
    """
    directory = Path(directory)
    if (directory / JOURNAL).exists():
        raise BundleError(f"{directory}: a deploy was interrupted ({directory / JOURNAL} is present); run "
                          "deploy_bundle again to finish it")
    manifest = read_manifest(directory)
    for f in ("model.pkl", "scaler.pkl"):
        if not (directory / f).exists():
            models = directory / "models"
            hint = ""
            if manifest is None and models.is_dir() and any(models.iterdir()):
                hint = (f"; trained bundles exist under {models} ({', '.join(sorted(p.name for p in models.iterdir() if not p.name.startswith('.')))}): "
                        "deploy one with jesse_dag.ml.deploy_bundle(path)")
            raise FileNotFoundError(f"Expected file not found: {directory / f}{hint}")
    if manifest is None:
        warnings.warn(f"{directory}: no {MANIFEST} (a model Jesse trained?): its files, features and library "
                      "versions could not be checked", UserWarning, stacklevel=2)
    else:
        verify_bundle(directory, manifest)
        _warn_versions(manifest, directory)
        if feature_names is not None:
            check_feature_names(manifest["feature_names"], feature_names, directory)
    out = {"model": joblib.load(directory / "model.pkl"), "scaler": joblib.load(directory / "scaler.pkl")}
    if (directory / "feature_importance.pkl").exists():
        out["feature_importance"] = joblib.load(directory / "feature_importance.pkl")
    if manifest is not None:
        out["manifest"] = manifest
    return out


def check_feature_names(expected: Sequence[str], actual: Sequence[str], where: Any) -> None:
    """Refuse when the strategy's features are not the ones the model was trained on, saying which."""
    expected, actual = list(expected), sorted(actual)
    if expected == actual:
        return
    missing = [f for f in expected if f not in actual]
    extra = [f for f in actual if f not in expected]
    raise BundleError(f"{where}: ml_features() gives {actual} but the model was trained on {expected}"
                      + (f"; missing {missing}" if missing else "") + (f"; not in the model {extra}" if extra else "")
                      + " (renamed a feature? retrain, or restore the names)")


def deploy_bundle(bundle_dir: str | os.PathLike, strategy_dir: str | os.PathLike | None = None,
                  registry: ModelRegistry | None = None) -> Path:
    """Put a verified bundle's files into ``strategy_dir`` (default: the folder above ``models/``).

    The files are staged and hash-checked beside their targets, a journal names the bundle being
    deployed, then each file is renamed into place (manifest last), the registry records the deploy, and
    the journal is removed last. Until the journal is gone, loading refuses with a clear message; running
    ``deploy_bundle`` again finishes it (so after any crash the folder and the registry agree).
    Returns the strategy folder.
    """
    bundle_dir = Path(bundle_dir)
    manifest = verify_bundle(bundle_dir)
    if strategy_dir is None:
        if bundle_dir.parent.name != "models":
            raise ValueError(f"{bundle_dir} is not under <strategy>/models/: pass strategy_dir")
        strategy_dir = bundle_dir.parent.parent
    strategy_dir = Path(strategy_dir)
    if bundle_dir.resolve() == strategy_dir.resolve():
        raise ValueError(f"{bundle_dir} is already the deployed folder")
    journal = strategy_dir / JOURNAL
    staged = {}
    for f in ARTIFACTS + (MANIFEST,):
        dst = strategy_dir / f".{f}.deploying"
        shutil.copyfile(bundle_dir / f, dst)
        staged[f] = dst
    for f in ARTIFACTS:
        if sha256_file(staged[f]) != manifest["files"][f]:
            raise BundleError(f"{staged[f]}: the copy does not match its hash; nothing was deployed")
    with open(journal, "w") as fh:
        json.dump({"bundle": str(bundle_dir.resolve()), "version": manifest.get("version")}, fh)
    for f in ARTIFACTS + (MANIFEST,):
        os.replace(staged[f], strategy_dir / f)
    strategy = manifest.get("strategy") or strategy_dir.name
    bundle_id = f"{manifest['strategy']}/{manifest['version']}" if manifest.get("strategy") else str(bundle_dir.resolve())
    # the registry is written while the journal still stands: a crash anywhere before the journal is gone
    # leaves a folder that refuses to load (deploy again to finish), never one serving a version the
    # registry does not name
    (registry or ModelRegistry()).mark_deployed(strategy, bundle_id)
    os.unlink(journal)
    return strategy_dir
