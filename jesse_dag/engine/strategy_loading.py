"""A strategy named in a route: ``strategies/<Name>/__init__.py`` of the project, imported as Jesse does.

Jesse resolves a route's ``"strategy": "Name"`` with ``locate("strategies.Name.Name")``: the module
``strategies.Name`` that Python's import system gives, so a script that did ``import strategies.Name as mod``
and set ``mod.Name.ml_mode = "deploy"`` (Jesse's ML docs) backtests that very class. We do the same: the
name resolves through ``sys.modules`` / the import system when ``strategies`` is (or can become) the
project's own ``strategies/`` package, and only when another ``strategies`` package is already imported
(a second project in one process) is the file loaded under a private module name.

A name is refused unless it is a plain Python identifier (no ``../``, no dots, no path), and the file must
resolve to a place inside the project's ``strategies/`` folder: a route never loads code from elsewhere.

Example:
    >>> load_strategy_class("../etc")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    jesse_dag.engine.exceptions.InvalidRoutes: strategy name '../etc' is not a Python identifier...
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import keyword
import os
import sys
from pathlib import Path
from types import ModuleType

from jesse_dag.engine.exceptions import InvalidRoutes, InvalidStrategy


def check_strategy_name(name: object) -> str:
    """``name`` if it can name a folder under ``strategies/`` (a Python identifier), else InvalidRoutes."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidRoutes(f"strategy name {name!r} is not a Python identifier: a route names a strategy by its "
                            "folder under strategies/ (letters, digits and _), e.g. 'EmaCross'")
    return name


def _same_file(module: ModuleType | None, path: Path) -> bool:
    file = getattr(module, "__file__", None)
    try:
        return file is not None and Path(file).resolve() == path.resolve()
    except OSError:
        return False


def _project_package(folder: Path) -> ModuleType | None:
    """The ``strategies`` package when it is (or can be made) the project's ``strategies/`` folder, else None."""
    current = sys.modules.get("strategies")
    if current is not None:
        paths = [Path(p).resolve() for p in getattr(current, "__path__", [])]
        return current if folder.resolve() in paths else None
    spec = importlib.machinery.PathFinder.find_spec("strategies", [str(folder.parent)])
    if spec is None:
        return None
    package = importlib.util.module_from_spec(spec)
    sys.modules["strategies"] = package
    try:
        spec.loader.exec_module(package)  # type: ignore[union-attr]
    except BaseException:
        sys.modules.pop("strategies", None)
        raise
    return package


def _import_module(name: str, path: Path, folder: Path) -> ModuleType:
    canonical = f"strategies.{name}"
    module = sys.modules.get(canonical)
    if module is not None and _same_file(module, path):
        return module  # what `import strategies.<name>` gave the user: the same class object
    if module is None and _project_package(folder) is not None:
        module = importlib.import_module(canonical)
        if _same_file(module, path):
            return module
    # another project's `strategies` package is imported in this process: load this file on its own
    private = f"jesse_dag_user_strategies.{name}"
    spec = importlib.util.spec_from_file_location(private, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[private] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def load_strategy_class(name: str, project_dir: str | os.PathLike | None = None) -> type:
    """The Strategy subclass ``name`` from ``strategies/<name>/__init__.py`` (relative to ``project_dir`` or cwd).

    The class is the one ``import strategies.<name>`` gives (Jesse's lookup), so attributes set on it by
    the caller (``ml_mode``...) apply. An exception while importing the file keeps its class and gets a
    note naming the file.
    """
    from jesse_dag.strategies import Strategy

    check_strategy_name(name)
    root = Path(project_dir) if project_dir is not None else Path.cwd()
    folder = root / "strategies"
    path = folder / name / "__init__.py"
    if not path.is_file():
        raise InvalidRoutes(f"strategy {name!r} not found: {path} does not exist")
    if not path.resolve().is_relative_to(folder.resolve()):
        raise InvalidRoutes(f"strategy {name!r}: {path} resolves to {path.resolve()}, outside {folder}; "
                            "strategies are loaded from the project's strategies/ folder only")
    try:
        module = _import_module(name, path, folder)
    except Exception as exc:
        exc.add_note(f"while importing strategy {name!r} from {path}")
        raise
    cls = getattr(module, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        found = [v for v in vars(module).values()
                 if isinstance(v, type) and issubclass(v, Strategy) and v is not Strategy
                 and v.__module__ == module.__name__]
        if len(found) != 1:
            raise InvalidStrategy(f"{path}: expected a Strategy subclass named {name!r}")
        cls = found[0]
    return cls
