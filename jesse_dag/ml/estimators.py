"""Estimators named in settings (``train --estimator``, ``estimator.class`` in ``project.yaml``).

A dotted name in a settings file or on the command line is imported and called, so it must never name
arbitrary code (``subprocess.Popen``, ``os.system``). Only estimator classes are accepted:

- the module is under one of :data:`ALLOWED_PREFIXES` (``sklearn``, ``lightgbm``, ``xgboost``), checked
  before anything is imported, and the class found there was defined under one of them too (a module that
  re-exports ``os`` or ``subprocess`` does not make them allowed);
- it is a class with ``fit`` and ``predict`` (scikit-learn's estimator API);
- once built with its parameters, scikit-learn's ``is_classifier`` (tasks ``binary``/``multiclass``) or
  ``is_regressor`` (task ``regression``) is true for it.

A project's own estimator classes are not importable by name: pass an instance to
:func:`jesse_dag.ml.train_model` from Python instead (the caller's code, trusted as such).

Example:
    >>> estimator_class("sklearn.linear_model.LogisticRegression").__name__
    'LogisticRegression'
    >>> make_estimator("sklearn.linear_model.Ridge", {"alpha": 0.5}, task="regression").alpha
    0.5
    >>> try:
    ...     estimator_class("subprocess.Popen")
    ... except EstimatorRefused as exc:
    ...     print(str(exc)[:73])
    estimator 'subprocess.Popen' refused: only classes from sklearn, lightgbm
"""
from __future__ import annotations

import importlib
import inspect
import re
from typing import Any, Mapping

ALLOWED_PREFIXES: tuple[str, ...] = ("sklearn", "lightgbm", "xgboost")
CLASSIFIER_TASKS = ("binary", "multiclass")
REGRESSOR_TASKS = ("regression",)
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


class EstimatorRefused(ValueError):
    """A name in settings that is not an estimator class we accept; the message says why and what to do."""


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def estimator_class(name: str, *, where: str = "", allowed_prefixes: tuple[str, ...] = ALLOWED_PREFIXES) -> type:
    """The estimator class ``name`` (``module.Class``) names, or :class:`EstimatorRefused` saying why not.

    Nothing is imported unless the module is under ``allowed_prefixes``; nothing is called.
    ``where`` (e.g. ``"project.yaml: pipelines.p1.estimator.class"``) starts the error message.
    """
    head = f"{where}: " if where else ""
    allowed = ", ".join(allowed_prefixes)
    if not isinstance(name, str) or not _DOTTED.match(name):
        raise EstimatorRefused(f"{head}estimator {name!r} refused: write module.Class, e.g. "
                               "sklearn.ensemble.RandomForestClassifier")
    module, _, attr = name.rpartition(".")
    if not _under(module, allowed_prefixes):
        raise EstimatorRefused(f"{head}estimator {name!r} refused: only classes from {allowed} are accepted by "
                               f"name (module {module!r} is not one of them); for your own estimator class pass "
                               "an instance to jesse_dag.ml.train_model from Python")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise EstimatorRefused(f"{head}cannot import {name!r} ({type(exc).__name__}: {exc}); write module.Class, "
                               "e.g. sklearn.ensemble.RandomForestClassifier (is the package installed?)") from None
    if not inspect.isclass(cls):
        raise EstimatorRefused(f"{head}estimator {name!r} refused: it is a {type(cls).__name__}, not a class; "
                               "name an estimator class, e.g. sklearn.linear_model.LogisticRegression")
    if not _under(cls.__module__ or "", allowed_prefixes):
        raise EstimatorRefused(f"{head}estimator {name!r} refused: that name is {cls.__module__}.{cls.__qualname__}, "
                               f"which is not from {allowed}")
    if not (callable(getattr(cls, "fit", None)) and callable(getattr(cls, "predict", None))):
        raise EstimatorRefused(f"{head}estimator {name!r} refused: {cls.__qualname__} has no fit/predict, so it is "
                               "not an estimator (scikit-learn's estimator API)")
    return cls


def check_task(estimator: Any, task: str | None, *, name: str | None = None, where: str = "") -> None:
    """Refuse an estimator that is not a classifier for ``binary``/``multiclass`` or a regressor for
    ``regression`` (scikit-learn's ``is_classifier``/``is_regressor``); ``task=None`` accepts either."""
    from sklearn.base import is_classifier, is_regressor

    head = f"{where}: " if where else ""
    label = name or f"{type(estimator).__module__}.{type(estimator).__qualname__}"
    classifier, regressor = is_classifier(estimator), is_regressor(estimator)
    if task is None:
        ok, want = classifier or regressor, "a classifier or a regressor"
    elif task in CLASSIFIER_TASKS:
        ok, want = classifier, f"a classifier (task {task!r})"
    elif task in REGRESSOR_TASKS:
        ok, want = regressor, f"a regressor (task {task!r})"
    else:
        raise ValueError(f"{head}unknown task {task!r}; expected one of "
                         f"{', '.join(CLASSIFIER_TASKS + REGRESSOR_TASKS)}")
    if not ok:
        raise EstimatorRefused(f"{head}estimator {label!r} refused: it is not {want} according to scikit-learn's "
                               "is_classifier/is_regressor")


def make_estimator(name: str, params: Mapping[str, Any] | None = None, *, task: str | None = None,
                   where: str = "", allowed_prefixes: tuple[str, ...] = ALLOWED_PREFIXES) -> Any:
    """Build the estimator ``name`` with ``params`` after :func:`estimator_class` accepted it, then check it
    suits ``task``. Parameters the class does not take are refused with the ones it does take."""
    cls = estimator_class(name, where=where, allowed_prefixes=allowed_prefixes)
    head = f"{where}: " if where else ""
    params = dict(params or {})
    try:
        est = cls(**params)
    except TypeError as exc:
        try:
            known = sorted(p for p in inspect.signature(cls).parameters if p not in ("self", "args", "kwargs"))
        except (TypeError, ValueError):
            known = []
        raise EstimatorRefused(f"{head}{name}({', '.join(f'{k}=' for k in params)}...) failed: {exc}"
                               + (f"; it takes {', '.join(known)}" if known else "")) from None
    check_task(est, task, name=name, where=where)
    return est
