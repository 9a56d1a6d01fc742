"""pytest plugin: Jesse's test suite sees jesse-dag's public modules under Jesse's names.

Loaded with ``-p jesse_shim`` (before any conftest or test module is imported), in a run started by
``conformance/run.py`` from the suite's copy, with:

- ``$JESSE_SITE_PACKAGES``: the site-packages of Jesse 3.5.3's own virtualenv. It goes at the END of
  ``sys.path``, so our numpy and friends win and only what our venv lacks (Jesse itself, peewee, ...) comes from it.
- ``$CONFORMANCE_NOT_APPLICABLE``: the ``not_applicable.txt`` file; the tests it lists are deselected.

How the mapping is made: first Jesse's own public modules and every Jesse module the test files import that is NOT one of the public modules
is imported from Jesse's package (its fixtures: ``jesse.config``, ``jesse.factories``, ``jesse.testing_utils``,
``jesse.store``...), so Jesse's internals bind Jesse's own helpers. Then the public names
(:data:`PUBLIC_MODULES`) are pointed at ours in ``sys.modules`` and on the ``jesse`` package, so every test
module imported afterwards gets jesse-dag; a Jesse-internal module imported later (lazily, from a function of
Jesse's) still runs its top-level imports against Jesse's own public modules. ``jesse.strategies`` becomes our Strategy API whose package path is
the suite's ``jesse/strategies`` folder, where the runner put Jesse's ``Test*`` strategies with their import
lines changed to ``jesse_dag`` (our router finds the same folder as ``strategies/``).

``jesse.modes.backtest_mode.run`` (what Jesse's ``testing_utils`` calls) is replaced by :func:`run_backtest_mode`,
which runs our engine with the config the test set in Jesse's ``config`` and leaves what the tests read after
a backtest: ``store.closed_trades.trades`` (our closed trades), ``store.app.total_open_trades``,
``total_open_pl``, ``total_liquidations`` and ``router.routes[i].strategy`` (our strategy instances).
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import types
from pathlib import Path

# Jesse's public module -> ours. Everything a user's strategy or research script imports.
PUBLIC_MODULES = {
    "jesse.helpers": "jesse_dag.helpers",
    "jesse.utils": "jesse_dag.utils",
    "jesse.indicators": "jesse_dag.indicators",
    "jesse.research": "jesse_dag.research",
    "jesse.enums": "jesse_dag.enums",
    "jesse.candle_pipelines": "jesse_dag.candle_pipelines",
    "jesse.exceptions": "jesse_dag.engine.exceptions",
    "jesse.strategies": "jesse_dag.strategies",
}

_IMPORT_RE = re.compile(r"^\s*(?:from\s+(jesse(?:\.\w+)*)\s+import\s+([\w, ()]+)|import\s+(jesse(?:\.\w+)*))",
                        re.MULTILINE)


def _is_public(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in PUBLIC_MODULES)


def jesse_internal_imports(tests_dir: Path, skip_files: tuple[str, ...] = ()) -> list[str]:
    """The Jesse modules the test files import that are not public (Jesse's fixtures and internals), sorted.

    Example:
        >>> jesse_internal_imports(Path("tests"))  # doctest: +SKIP
        ['jesse', 'jesse.config', 'jesse.factories', 'jesse.modes.backtest_mode', 'jesse.store', ...]
    """
    names = {"jesse", "jesse.config", "jesse.factories", "jesse.store", "jesse.routes", "jesse.testing_utils",
             "jesse.modes.backtest_mode"}
    for path in sorted(tests_dir.rglob("*.py")):
        if f"tests/{path.relative_to(tests_dir).as_posix()}" in skip_files:
            continue
        for m in _IMPORT_RE.finditer(path.read_text()):
            module = m.group(1) or m.group(3)
            if module == "jesse" and m.group(2):
                # "from jesse import store, research": each imported name may be a submodule
                for item in re.split(r"[,\s()]+", m.group(2)):
                    if item:
                        names.add(f"jesse.{item}")
            else:
                names.add(module)
    return sorted(n for n in names if not _is_public(n))


def _preload_jesse_internals(tests_dir: Path) -> None:
    from conformance_lists import read_list

    path = os.environ.get("CONFORMANCE_NOT_APPLICABLE")
    # test files that do not apply are not even collected (the runner passes --ignore)
    skip = tuple(e for e in (read_list(path) if path else []) if "::" not in e)
    for name in jesse_internal_imports(tests_dir, skip):
        try:
            importlib.import_module(name)
        except Exception:  # a name that is a class, or a module Jesse cannot import here: its test shows it
            pass


def _strategies_module(strategies_dir: Path) -> types.ModuleType:
    import jesse_dag.strategies as ours

    module = types.ModuleType("jesse.strategies", ours.__doc__)
    module.__dict__.update({k: v for k, v in vars(ours).items() if not k.startswith("__")})
    # Jesse's test strategies live there (``import jesse.strategies.Test01`` in its tests)
    module.__path__ = [str(strategies_dir)]
    module.__file__ = ours.__file__
    return module


_JESSE_ORIGINALS: dict[str, types.ModuleType] = {}  # Jesse's own public modules, for Jesse's internals
_OURS: dict[str, types.ModuleType] = {}


@contextlib.contextmanager
def _jesse_originals():
    """While a Jesse-internal module runs its top-level code, the public names are Jesse's own again."""
    import jesse

    saved = {name: sys.modules.get(name) for name in _OURS}
    for name, module in _JESSE_ORIGINALS.items():
        sys.modules[name] = module
        setattr(jesse, name.split(".", 1)[1], module)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is not None:
                sys.modules[name] = module
                setattr(jesse, name.split(".", 1)[1], module)


class _JesseInternalLoader(importlib.abc.Loader):
    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        with _jesse_originals():
            self.inner.exec_module(module)


class _JesseInternalFinder(importlib.abc.MetaPathFinder):
    """A Jesse-internal module imported after the swap (lazily, from inside a function of Jesse's) still binds
    Jesse's own helpers, enums, exceptions... at import time."""

    def find_spec(self, name, path, target=None):
        if not name.startswith("jesse.") or _is_public(name):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _JesseInternalLoader(spec.loader)
        return spec


def _point_public_names_at_ours(strategies_dir: Path) -> None:
    import jesse

    for name in PUBLIC_MODULES:
        with contextlib.suppress(Exception):
            _JESSE_ORIGINALS[name] = importlib.import_module(name)
    for name in list(sys.modules):
        if _is_public(name):
            del sys.modules[name]
    for name, ours in PUBLIC_MODULES.items():
        module = _strategies_module(strategies_dir) if name == "jesse.strategies" else importlib.import_module(ours)
        _OURS[name] = module
        sys.modules[name] = module
        setattr(jesse, name.split(".", 1)[1], module)
    sys.meta_path.insert(0, _JesseInternalFinder())


def _jesse_exchange_config(exchange: str) -> dict:
    from jesse.config import config as jesse_config

    settings = jesse_config["env"]["exchanges"][exchange]
    out = {"exchange": exchange, "starting_balance": settings["balance"], "fee": settings["fee"],
           "type": settings["type"], "warm_up_candles": 0}
    if settings["type"] == "futures":
        out["futures_leverage"] = settings["futures_leverage"]
        out["futures_leverage_mode"] = settings["futures_leverage_mode"]
    return out


def run_backtest_mode(client_id, debug_mode, user_config, exchange, routes, data_routes, start_date, finish_date,
                      candles=None, chart=False, csv=False, json=False, fast_mode=False, benchmark=False,
                      theme="light"):
    """Stand-in for ``jesse.modes.backtest_mode.run``: our engine on the test's candles and Jesse's config."""
    from jesse.routes import router
    from jesse.store import store

    from jesse_dag.engine.run import run_backtest

    if candles is None:
        raise RuntimeError("the conformance stand-in for backtest_mode.run needs the candles passed in "
                           "(Jesse's database is not used)")
    for r in list(routes) + list(data_routes):
        r["exchange"] = exchange  # as Jesse does
    store.closed_trades.trades = []
    store.app.total_open_trades = 0
    store.app.total_open_pl = 0
    store.app.total_liquidations = 0
    router.routes = []
    run = run_backtest(_jesse_exchange_config(exchange), routes, data_routes, candles, None, fast_mode=fast_mode)
    session = run.session
    store.closed_trades.trades = list(session.closed_trades)
    store.app.total_open_trades = run.result["metrics"].get("total_open_trades", 0)
    store.app.total_open_pl = run.result["metrics"].get("open_pl", 0)
    store.app.total_liquidations = getattr(session, "total_liquidations", 0)
    router.routes = [types.SimpleNamespace(exchange=s.exchange, symbol=s.symbol, timeframe=s.timeframe,
                                           strategy_name=s.name, strategy=s) for s in run.strategies]
    return None


def _install() -> None:
    site = os.environ.get("JESSE_SITE_PACKAGES")
    if not site or not Path(site, "jesse", "__init__.py").is_file():
        raise RuntimeError(f"$JESSE_SITE_PACKAGES must be the site-packages of Jesse 3.5.3's venv, got {site!r}")
    if site not in sys.path:
        sys.path.append(site)
    suite = Path.cwd()
    _preload_jesse_internals(suite / "tests")
    import jesse.modes.backtest_mode as backtest_mode

    backtest_mode.run = run_backtest_mode
    _point_public_names_at_ours(suite / "jesse" / "strategies")


_install()


def pytest_collection_modifyitems(session, config, items):
    from conformance_lists import listed, read_list

    path = os.environ.get("CONFORMANCE_NOT_APPLICABLE")
    entries = read_list(path) if path else []
    keep = [item for item in items if not listed(item.nodeid, entries)]
    drop = [item for item in items if listed(item.nodeid, entries)]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
