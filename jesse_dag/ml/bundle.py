"""Model bundles: Jesse's joblib files, the bundle's own skops copies and a ``bundle.json`` manifest.

A bundle folder holds ``model.pkl``, ``scaler.pkl``, ``feature_importance.pkl`` (what Jesse's
``load_ml_model`` reads: pickles, kept for Jesse), the bundle's own copies ``model.skops``, ``scaler.skops``
(skops archives, loaded with an explicit allowlist of the estimator types we train, never unpickled) and
``feature_importance.json``, and ``bundle.json``: feature names in order, task, label name, estimator class
and parameters, training window, data fingerprint, lineage, library versions, metrics and the sha256 of
every file. Training into a strategy folder (one with ``__init__.py``) makes a new version under
``strategies/<Name>/models/<version>/``; :func:`deploy_bundle` is the separate step that copies one into
``strategies/<Name>/`` itself, where Jesse and :class:`~jesse_dag.ml.recording.MLMixin` read it.

Trust (see ``docs/security.md``): every artefact must be listed in ``bundle.json`` with its sha256; each
file is read once into memory (a regular file in the bundle folder, never through a symlink), hashed, and
loaded from those same bytes. A model skops cannot hold (LightGBM, an estimator class of your own) is kept
as a hash-checked pickle only (``model_format: "pickle"``), and loading it warns that it was unpickled.
:func:`deploy_bundle` also checks the hashes against the ones the model registry recorded at training.
A folder without ``bundle.json`` (Jesse trained it) loads as Jesse loads it, with a warning.

Example:
    >>> b = train_model(points, LogisticRegression(), save_to="strategies/MyStrategy")  # doctest: +SKIP
    >>> deploy_bundle(b["bundle"]["path"])  # doctest: +SKIP
    >>> load_ml_model("strategies/MyStrategy")["manifest"]["version"]  # doctest: +SKIP
    'v0001'
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import platform
import re
import shutil
import stat
import tempfile
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import joblib
import numpy as np

from jesse_dag.ml.datapoints import DataPoint, dataset_fingerprint
from jesse_dag.ml.registry import ModelRegistry

MANIFEST = "bundle.json"
# Jesse's files (pickles): written for Jesse's own load_ml_model, hash-checked, never unpickled by jesse-dag
# unless the model is one skops cannot hold (model_format "pickle") or the bundle predates the skops copies
ARTIFACTS = ("model.pkl", "scaler.pkl", "feature_importance.pkl")
MODEL_SKOPS, SCALER_SKOPS, IMPORTANCE_JSON = "model.skops", "scaler.skops", "feature_importance.json"
FORMAT = "jesse-dag-bundle/2"
FORMAT_PICKLES_ONLY = "jesse-dag-bundle/1"  # bundles saved before the skops copies: read, never written
MODEL_FORMATS = ("skops", "pickle")
TASKS = ("binary", "multiclass", "regression")
JOURNAL = ".deploy-journal.json"
_VERSION_RE = re.compile(r"^v(\d{4,})$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_MANIFEST_BYTES = 16 << 20  # a manifest is a few kB; refuse to read a huge file into memory as JSON

# Types inside a skops archive that skops does not trust by default and that the estimators we train hold:
# tree structures (RandomForest*, ExtraTrees*, GradientBoosting*, DecisionTree*), the predictors of
# HistGradientBoosting*, MLP's optimisers, the neighbour searches and their metrics. Anything else is refused.
TRUSTED_SKOPS_TYPES: frozenset[str] = frozenset({
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.metrics._dist_metrics.ChebyshevDistance64",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64",
})


class BundleError(ValueError):
    """A bundle that cannot be trusted: a file missing, changed, not listed, or not matching the strategy."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes (for display and checks of files that are not loaded afterwards)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_regular_file(directory: str | os.PathLike, name: str) -> bytes:
    """The bytes of ``directory/name``, read once, refusing anything but a regular file directly inside
    ``directory``: a symlink (``O_NOFOLLOW``), a folder, a FIFO or device, a name with a path in it.

    ``FileNotFoundError`` when it does not exist; :class:`BundleError` naming the file otherwise.
    """
    directory = Path(directory)
    path = directory / name
    if not name or "/" in name or "\\" in name or name in (".", "..") or "\0" in name:
        raise BundleError(f"{directory}: {_short(name)} is not a file name inside the bundle folder")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        if os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW"):
            dfd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            try:
                fd = os.open(name, flags, dir_fd=dfd)
            finally:
                os.close(dfd)
        else:  # no O_NOFOLLOW/dir_fd (Windows): lstat, open, then check it is the same file
            before = os.lstat(path)
            if stat.S_ISLNK(before.st_mode):
                raise OSError(errno.ELOOP, "symbolic link", str(path))
            fd = os.open(path, flags)
            after = os.fstat(fd)
            if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
                os.close(fd)
                raise BundleError(f"{path}: the file was replaced while it was opened; load again")
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise FileNotFoundError(f"{path}: missing") from None
        if exc.errno in (errno.ELOOP, errno.EMLINK) or os.path.islink(path):
            raise BundleError(f"{path}: is a symbolic link; a bundle's files must be regular files inside its "
                              "folder (copy the file itself there, or deploy the bundle again)") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BundleError(f"{path}: not a regular file; a bundle's files must be regular files inside its folder")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose pickles and skops archives a bundle depends on."""
    import joblib as _jl
    import scipy
    import skops
    import sklearn

    import jesse_dag

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "joblib": _jl.__version__, "skops": skops.__version__,
            "jesse_dag": jesse_dag.__version__}


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


def required_files(manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """The files a bundle of this manifest's format must list (and hold): every artefact it was saved with."""
    if manifest.get("format") == FORMAT_PICKLES_ONLY:
        return ARTIFACTS
    own = (MODEL_SKOPS,) if manifest.get("model_format") == "skops" else ()
    return ARTIFACTS + own + (SCALER_SKOPS, IMPORTANCE_JSON)


def _joblib_bytes(obj: Any) -> bytes:
    buf = io.BytesIO()
    joblib.dump(obj, buf)
    return buf.getvalue()


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _untrusted_skops_types(data: bytes) -> list[str]:
    import skops.io as sio

    return sorted(set(sio.get_untrusted_types(data=data)) - TRUSTED_SKOPS_TYPES)


def load_skops(data: bytes, where: str | os.PathLike) -> Any:
    """Load a skops archive's bytes, refusing any type outside skops's defaults and :data:`TRUSTED_SKOPS_TYPES`."""
    import skops.io as sio

    try:
        untrusted = _untrusted_skops_types(data)
        if untrusted:
            raise BundleError(f"{where}: holds types that are not on the allowlist of estimator types jesse-dag "
                              f"loads: {untrusted}; it was not loaded (a bundle jesse-dag saved never holds them: "
                              "was the file replaced? retrain, or deploy a bundle you trained)")
        return sio.loads(data, trusted=sorted(TRUSTED_SKOPS_TYPES))
    except BundleError:
        raise
    except Exception as exc:  # a damaged or foreign archive: say which file, keep the cause short
        raise BundleError(f"{where}: not a skops archive jesse-dag can load ({type(exc).__name__}: "
                          f"{str(exc)[:200]})") from None


def _bundle_blobs(result: dict) -> tuple[dict[str, bytes], str]:
    """Every file of a bundle as bytes, and the model format (skops, or pickle for a model skops cannot hold)."""
    import skops.io as sio

    blobs = {"model.pkl": _joblib_bytes(result["model"]), "scaler.pkl": _joblib_bytes(result["scaler"]),
             "feature_importance.pkl": _joblib_bytes(result["feature_importance"])}
    blobs[SCALER_SKOPS] = sio.dumps(result["scaler"])
    if _untrusted_skops_types(blobs[SCALER_SKOPS]):
        raise BundleError(f"the scaler {type(result['scaler']).__name__} cannot be kept as a skops archive")
    blobs[IMPORTANCE_JSON] = json.dumps(result["feature_importance"], default=_json_default, sort_keys=True).encode()
    try:
        model = sio.dumps(result["model"])
        skops_ok = not _untrusted_skops_types(model)
    except Exception:  # noqa: BLE001 - skops cannot hold it (LightGBM, an estimator class of your own)
        skops_ok = False
    if skops_ok:
        blobs[MODEL_SKOPS] = model
    return blobs, "skops" if skops_ok else "pickle"


def _write_new_file(directory: Path, name: str, data: bytes) -> None:
    """Write ``data`` as a new regular file (never through a symlink already at that name)."""
    path = directory / name
    if os.path.lexists(path):
        os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_BINARY", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_bundle_files(target: Path, result: dict, manifest: dict) -> dict:
    target.mkdir(parents=True, exist_ok=True)
    blobs, manifest["model_format"] = _bundle_blobs(result)
    for name, data in blobs.items():
        _write_new_file(target, name, data)
    # the hash of the bytes written (skops archives differ byte for byte between two saves of one model)
    manifest["files"] = {name: sha256_bytes(data) for name, data in sorted(blobs.items())}
    _write_new_file(target, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
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
        if registry is not None:  # a store shared by several machines hands each bundle its own version
            version = registry.claim_version(strategy, version)
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
        # which importance method ran on how many samples (exact = Jesse's; subsample above the threshold)
        "importance_method": _plain(result.get("importance_method")),
    }
    # build beside the target then move in, so a crash never leaves a half bundle under models/
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        manifest = _write_bundle_files(staging, result, manifest)
        if target.exists():
            for f in (*manifest["files"], MANIFEST):  # manifest last: its hashes name the new files
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


def _short(value: Any) -> str:
    """``repr`` of a value from a file, cut to a bounded excerpt."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _fail(path: Path, key: str, problem: str) -> BundleError:
    return BundleError(f"{path}: key {key!r} {problem}; a bundle jesse-dag saved always has it right (was "
                       "bundle.json edited?): retrain, or deploy the bundle again")


def validate_manifest(manifest: Any, path: str | os.PathLike) -> dict:
    """Refuse a manifest of the wrong shape, naming the file and the key; returns it unchanged.

    It must be an object with ``format`` (a known one), ``version`` (text), ``task`` (binary, multiclass,
    regression), ``feature_names`` (a list of text) and ``files``: every artefact of its format, each a plain
    file name with a sha256 in hex; ``model_format`` (skops or pickle) from format 2 on.
    """
    path = Path(path)
    if not isinstance(manifest, dict):
        raise BundleError(f"{path}: expected a JSON object (a bundle manifest), got a {type(manifest).__name__}; "
                          "retrain, or deploy the bundle again")
    fmt = manifest.get("format")
    if fmt not in (FORMAT, FORMAT_PICKLES_ONLY):
        raise _fail(path, "format", f"is {_short(fmt)}; this jesse-dag reads {FORMAT!r} and {FORMAT_PICKLES_ONLY!r}")
    if fmt == FORMAT and manifest.get("model_format") not in MODEL_FORMATS:
        raise _fail(path, "model_format",
                    f"is {_short(manifest.get('model_format'))}, expected one of {list(MODEL_FORMATS)}")
    if not isinstance(manifest.get("version"), str):
        raise _fail(path, "version", f"is {_short(manifest.get('version'))}, expected text such as 'v0001'")
    if manifest.get("strategy") is not None and not isinstance(manifest["strategy"], str):
        raise _fail(path, "strategy", f"is {_short(manifest['strategy'])}, expected a strategy name or null")
    if manifest.get("task") not in TASKS:
        raise _fail(path, "task", f"is {_short(manifest.get('task'))}, expected one of {list(TASKS)}")
    names = manifest.get("feature_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _fail(path, "feature_names", f"is {_short(names)}, expected a non-empty list of feature names")
    for key in ("libraries", "estimator"):
        if manifest.get(key) is not None and not isinstance(manifest[key], dict):
            raise _fail(path, key, f"is a {type(manifest[key]).__name__}, expected an object")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise _fail(path, "files", "is absent" if files is None else f"is a {type(files).__name__}, expected an "
                    "object {file name: sha256}")
    required = required_files(manifest)
    known = set(ARTIFACTS) | {MODEL_SKOPS, SCALER_SKOPS, IMPORTANCE_JSON}
    for name, digest in files.items():
        if name not in known:
            raise _fail(path, "files", f"lists {_short(name)}, which is not a bundle file (expected {list(required)})")
        if not isinstance(digest, str) or not _SHA256_RE.match(digest):
            raise _fail(path, f"files.{name}", f"is {_short(digest)}, expected a sha256 in lowercase hex")
    missing = [f for f in required if f not in files]
    if missing:
        raise BundleError(f"{path}: key 'files' has no entry for {', '.join(missing)}: every artefact of a bundle "
                          "must be listed with its sha256, and a file that is not listed is never loaded (was "
                          "bundle.json edited?); retrain, or deploy the bundle again")
    return manifest


def _manifest_and_bytes(directory: Path) -> tuple[dict, bytes] | None:
    try:
        raw = read_regular_file(directory, MANIFEST)
    except FileNotFoundError:
        return None
    path = directory / MANIFEST
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BundleError(f"{path}: {len(raw)} bytes, more than a manifest ever holds ({MAX_MANIFEST_BYTES}); not read")
    try:
        manifest = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path}: not valid JSON ({type(exc).__name__}: {str(exc)[:120]})") from None
    return validate_manifest(manifest, path), raw


def read_manifest(directory: str | os.PathLike) -> dict | None:
    """The folder's ``bundle.json`` (validated, see :func:`validate_manifest`), or ``None`` when it has none."""
    got = _manifest_and_bytes(Path(directory))
    return None if got is None else got[0]


def _check_journal(directory: Path) -> None:
    journal = directory / JOURNAL
    if os.path.lexists(journal):
        raise BundleError(f"{directory}: a deploy was interrupted ({journal} is present); run deploy_bundle "
                          "again to finish it")


def _verified_files(directory: Path, manifest: dict) -> dict[str, bytes]:
    """Every file the manifest lists, each read once and checked against its sha256: the bytes to load."""
    out = {}
    for name, digest in manifest["files"].items():
        try:
            data = read_regular_file(directory, name)
        except FileNotFoundError:
            raise FileNotFoundError(f"{directory / name}: missing; {directory / MANIFEST} lists it "
                                    f"(sha256 {digest[:12]}…)") from None
        actual = sha256_bytes(data)
        if actual != digest:
            raise BundleError(f"{directory / name}: sha256 {actual[:12]}… differs from the {digest[:12]}… recorded "
                              f"in {directory / MANIFEST}: the file was changed after training (or is from another "
                              "bundle); retrain or deploy a bundle again")
        out[name] = data
    return out


def verify_bundle(directory: str | os.PathLike, manifest: dict | None = None) -> dict:
    """Check the manifest's shape and that every file it lists is a regular file with its sha256; returns it.

    ``manifest`` (already read) is validated again; without it, ``bundle.json`` is read.
    """
    directory = Path(directory)
    _check_journal(directory)
    if manifest is None:
        manifest = read_manifest(directory)
        if manifest is None:
            raise BundleError(f"{directory}: no {MANIFEST}")
    validate_manifest(manifest, directory / MANIFEST)
    _verified_files(directory, manifest)
    return manifest


def _warn_versions(manifest: dict, directory: Path) -> None:
    recorded = manifest.get("libraries") or {}
    now = library_versions()
    for lib in ("scikit-learn", "numpy", "scipy", "joblib", "skops"):
        if lib in recorded and recorded[lib] != now[lib]:
            warnings.warn(f"{directory}: the model was saved with {lib} {recorded[lib]} and is loaded with "
                          f"{now[lib]}; its predictions may differ", UserWarning, stacklevel=3)


def _check_model_class(model: Any, manifest: dict, where: Path) -> None:
    recorded = (manifest.get("estimator") or {}).get("class")
    actual = f"{type(model).__module__}.{type(model).__qualname__}"
    if recorded is not None and recorded != actual:
        raise BundleError(f"{where}: holds a {actual} but {where.parent / MANIFEST} names {recorded}; the files are "
                          "from different bundles: retrain, or deploy the bundle again")


def _load_artifacts(directory: Path, manifest: dict, blobs: Mapping[str, bytes], *, with_model: bool = True) -> dict:
    """The model, scaler and feature importance from verified bytes: skops copies with the allowlist; a
    pickle only for a model skops cannot hold, or a bundle that predates the skops copies (warned)."""
    out: dict[str, Any] = {}
    if manifest["format"] == FORMAT_PICKLES_ONLY:
        if with_model:
            warnings.warn(f"{directory}: a bundle saved before jesse-dag kept skops copies: its pickles were "
                          "unpickled (their sha256 matched bundle.json); retrain to get a bundle that loads "
                          "without unpickling", UserWarning, stacklevel=3)
            out["model"] = joblib.load(io.BytesIO(blobs["model.pkl"]))
            out["scaler"] = joblib.load(io.BytesIO(blobs["scaler.pkl"]))
            out["feature_importance"] = joblib.load(io.BytesIO(blobs["feature_importance.pkl"]))
        return out
    out["scaler"] = load_skops(blobs[SCALER_SKOPS], directory / SCALER_SKOPS)
    try:
        out["feature_importance"] = json.loads(blobs[IMPORTANCE_JSON])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{directory / IMPORTANCE_JSON}: not valid JSON ({type(exc).__name__})") from None
    if manifest["model_format"] == "skops":
        out["model"] = load_skops(blobs[MODEL_SKOPS], directory / MODEL_SKOPS)
        _check_model_class(out["model"], manifest, directory / MODEL_SKOPS)
    elif with_model:
        warnings.warn(f"{directory}: the model ({(manifest.get('estimator') or {}).get('class')}) is one skops "
                      "cannot hold, so model.pkl was unpickled after its sha256 matched bundle.json: load only "
                      "bundles you trust", UserWarning, stacklevel=3)
        out["model"] = joblib.load(io.BytesIO(blobs["model.pkl"]))
        _check_model_class(out["model"], manifest, directory / "model.pkl")
    return out


def load_ml_model(directory: str | os.PathLike, feature_names: Sequence[str] | None = None) -> dict:
    """Load a bundle (or a folder Jesse trained), as Jesse's ``load_ml_model`` plus checks.

    Returns ``{'model', 'scaler'}`` (+ ``'feature_importance'`` when present, + ``'manifest'`` for a bundle).
    With ``bundle.json``: its shape is checked, every file must be listed and is read once, checked against
    its sha256 and loaded from those bytes (the skops copies, with the allowlist of estimator types); a
    different library version warns; ``feature_names`` (if given) must equal the manifest's. Without it
    (Jesse's folder) it loads Jesse's pickles as Jesse does, with a warning that nothing could be checked.
    A missing file raises ``FileNotFoundError``.
    """
    directory = Path(directory)
    _check_journal(directory)
    got = _manifest_and_bytes(directory)
    if got is None:
        return _load_jesse_folder(directory)
    manifest = got[0]
    blobs = _verified_files(directory, manifest)
    _warn_versions(manifest, directory)
    if feature_names is not None:
        check_feature_names(manifest["feature_names"], feature_names, directory)
    out = _load_artifacts(directory, manifest, blobs)
    out["manifest"] = manifest
    return out


def _load_jesse_folder(directory: Path) -> dict:
    """A folder without ``bundle.json``: Jesse's own trust model (its pickles are unpickled, as Jesse does)."""
    for f in ("model.pkl", "scaler.pkl"):
        if not (directory / f).exists():
            models = directory / "models"
            hint = ""
            if models.is_dir() and any(models.iterdir()):
                names = ", ".join(sorted(p.name for p in models.iterdir() if not p.name.startswith(".")))
                hint = (f"; trained bundles exist under {models} ({names}): deploy one with "
                        "jesse_dag.ml.deploy_bundle(path)")
            raise FileNotFoundError(f"Expected file not found: {directory / f}{hint}")
    warnings.warn(f"{directory}: no {MANIFEST} (a model Jesse trained?): its pickles were loaded as Jesse loads "
                  "them, and its files, features and library versions could not be checked", UserWarning, stacklevel=3)
    out = {"model": joblib.load(directory / "model.pkl"), "scaler": joblib.load(directory / "scaler.pkl")}
    if (directory / "feature_importance.pkl").exists():
        out["feature_importance"] = joblib.load(directory / "feature_importance.pkl")
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


def _bundle_id(manifest: Mapping[str, Any], bundle_dir: Path) -> str:
    """``<strategy>/<version>`` as registered, or the folder for a bundle saved outside a strategy."""
    return f"{manifest['strategy']}/{manifest['version']}" if manifest.get("strategy") else str(bundle_dir.resolve())


def check_registered_hashes(manifest: dict, bundle_dir: Path, registry: ModelRegistry) -> None:
    """Where the registry knows the bundle (same id or same folder), the hashes it recorded must match."""
    bundle_id = _bundle_id(manifest, bundle_dir)
    for entry in registry.find(bundle_id=bundle_id, path=str(bundle_dir.resolve())):
        recorded = entry.get("files")
        if not isinstance(recorded, dict):
            continue  # an entry registered without hashes: nothing to compare
        for name in sorted(set(recorded) | set(manifest["files"])):
            ours, theirs = manifest["files"].get(name), recorded.get(name)
            if ours != theirs:
                problem = (f"is not listed in {bundle_dir / MANIFEST}" if ours is None else
                           "was not part of the bundle when it was registered" if theirs is None else
                           f"has sha256 {ours[:12]}… in {MANIFEST} but the model registry recorded {theirs[:12]}…")
                raise BundleError(f"{bundle_dir / name}: {problem} (registry {registry.path}, bundle "
                                  f"{entry['bundle_id']}): the bundle was changed after training; nothing was "
                                  "deployed: retrain, or deploy another version")


def deploy_bundle(bundle_dir: str | os.PathLike, strategy_dir: str | os.PathLike | None = None,
                  registry: ModelRegistry | None = None) -> Path:
    """Put a verified bundle's files into ``strategy_dir`` (default: the folder above ``models/``).

    Each file is read once, checked against ``bundle.json`` and, where the registry knows the bundle,
    against the hashes it recorded at training; the skops copies are loaded with the allowlist. The very
    bytes checked are written, staged beside their targets; a journal names the bundle being deployed,
    then each file is renamed into place (manifest last), the registry records the deploy, and the journal
    is removed last. Until the journal is gone, loading refuses with a clear message; running
    ``deploy_bundle`` again finishes it (so after any crash the folder and the registry agree).
    Returns the strategy folder.
    """
    bundle_dir = Path(bundle_dir)
    _check_journal(bundle_dir)
    got = _manifest_and_bytes(bundle_dir)
    if got is None:
        raise BundleError(f"{bundle_dir}: no {MANIFEST}: only a bundle jesse-dag trained can be deployed")
    manifest, manifest_bytes = got
    blobs = _verified_files(bundle_dir, manifest)
    registry = registry or ModelRegistry()
    check_registered_hashes(manifest, bundle_dir, registry)
    _load_artifacts(bundle_dir, manifest, blobs, with_model=False)  # refuses what the allowlist does not hold
    if strategy_dir is None:
        if bundle_dir.parent.name != "models":
            raise ValueError(f"{bundle_dir} is not under <strategy>/models/: pass strategy_dir")
        strategy_dir = bundle_dir.parent.parent
    strategy_dir = Path(strategy_dir)
    if bundle_dir.resolve() == strategy_dir.resolve():
        raise ValueError(f"{bundle_dir} is already the deployed folder")
    journal = strategy_dir / JOURNAL
    blobs[MANIFEST] = manifest_bytes
    staged = {}
    try:
        for f, data in blobs.items():
            staged[f] = f".{f}.deploying"
            _write_new_file(strategy_dir, staged[f], data)
    except BaseException:  # nothing was deployed: leave no staged copies behind
        for name in staged.values():
            with contextlib.suppress(OSError):
                os.unlink(strategy_dir / name)
        raise
    _write_new_file(strategy_dir, JOURNAL, json.dumps({"bundle": str(bundle_dir.resolve()),
                                                       "version": manifest.get("version")}).encode())
    for f in (*manifest["files"], MANIFEST):  # manifest last: until then the old one names the old files
        os.replace(strategy_dir / staged[f], strategy_dir / f)
    strategy = manifest.get("strategy") or strategy_dir.name
    bundle_id = _bundle_id(manifest, bundle_dir)
    # the registry is written while the journal still stands: a crash anywhere before the journal is gone
    # leaves a folder that refuses to load (deploy again to finish), never one serving a version the
    # registry does not name
    registry.mark_deployed(strategy, bundle_id)
    os.unlink(journal)
    return strategy_dir
