"""Jesse's technical indicators, computed by numba kernels: ``import jesse_dag.indicators as ta``.

Each indicator lives in its own module ``jesse_dag/indicators/<name>.py`` that defines a public
function of the same name (plus, for named results, its namedtuple). A module loads when its indicator
is first called (or read, see :class:`_LazyIndicator`), so ``import jesse_dag.indicators`` compiles and
imports nothing heavy: no kernel has a compiled signature until an indicator is first called.

Example:
    >>> import numpy as np
    >>> import jesse_dag.indicators as ta
    >>> from jesse_dag.research import candles_from_close_prices  # doctest: +SKIP
    >>> ta.ema(np.arange(1.0, 50.0), 9)  # doctest: +SKIP
"""
from __future__ import annotations

import importlib
import importlib.machinery
import pkgutil
import sys
import types
from pathlib import Path

_PACKAGE_DIR = Path(__file__).parent


def _indicator_module_names() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules([str(_PACKAGE_DIR)]) if not m.name.startswith("_")
    )


__all__ = _indicator_module_names()


class _LazyIndicator:
    """``ta.<name>`` until its module loads: the first call (or any attribute read, ``__doc__``, ``__wrapped__``
    for ``inspect.signature``, ...) imports ``jesse_dag.indicators.<name>``, which puts the function itself in
    the package in place of this stand-in; the caller's module global of the same name (``from
    jesse_dag.indicators import ema`` at the top of a strategy) is pointed at the function too.

    The package holds every name from the start, with no module ``__getattr__``: CPython 3.11 specialises an
    attribute read on a module (``ta.ema`` in a strategy, every bar) only for an exact module without one.
    """

    __slots__ = ("_name", "_fn")

    def __init__(self, name: str) -> None:
        self._name = name
        self._fn = None

    def _function(self):
        fn = self._fn
        if fn is None:
            fn = self._fn = _load(self._name)
        return fn

    def __call__(self, *args, **kwargs):
        fn = self._function()
        caller = sys._getframe(1).f_globals
        if caller.get(self._name) is self:
            caller[self._name] = fn
        return fn(*args, **kwargs)

    def __getattr__(self, attr: str):
        if attr in _LazyIndicator.__slots__:  # a stand-in made without __init__ (copy, pickle): no recursion
            raise AttributeError(attr)
        return getattr(self._function(), attr)

    def __reduce__(self):
        # pickled (a process pool, joblib) as the function itself
        return _load, (self._name,)

    @property
    def __doc__(self):  # (a class attribute otherwise)
        return self._function().__doc__

    @property
    def __wrapped__(self):  # inspect.signature / inspect.unwrap: the function's own
        return self._function()

    def __repr__(self) -> str:
        return f"<indicator {__name__}.{self._name}, not loaded yet>"


def _load(name: str):
    # the function ``name``: importing its module binds it in the package (_IndicatorPackage.__setattr__)
    module = importlib.import_module(f"{__name__}.{name}")
    fn = getattr(module, name)
    globals()[name] = fn
    return fn


for _name in __all__:
    globals()[_name] = _LazyIndicator(_name)
del _name


class _IndicatorPackage(types.ModuleType):
    # `import jesse_dag.indicators.ema` makes Python set the package attribute `ema` to the submodule;
    # keep the attribute the indicator function instead, so `ta.ema(...)` works whatever was imported first.
    # The package is of this class only while a submodule loads (see _SubmoduleLoader): CPython specialises
    # an attribute read (`ta.ema` in a strategy) only on an exact module, ~60 ns a read otherwise.
    def __setattr__(self, name: str, value) -> None:
        if (isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}"
                and not name.startswith("_")):
            value = getattr(value, name, value)
            _loaded(self)
        types.ModuleType.__setattr__(self, name, value)


_loading = 0  # submodules executed whose package attribute Python has not set yet


def _loaded(package: types.ModuleType) -> None:
    global _loading
    _loading -= 1
    if _loading <= 0:
        _loading = 0
        package.__class__ = types.ModuleType


class _SubmoduleLoader:
    """The loader of ``jesse_dag.indicators.<name>``, around the ordinary one: while the module executes and
    until Python sets it as the package attribute (just after), the package is an ``_IndicatorPackage``."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def __getattr__(self, name: str):  # get_source, get_filename, ... (inspect, linecache, numba's cache)
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        global _loading
        package = sys.modules[__name__]
        _loading += 1
        package.__class__ = _IndicatorPackage
        try:
            self._loader.exec_module(module)
        except BaseException:
            _loaded(package)  # (no attribute will be set)
            raise


class _SubmoduleFinder:
    """On ``sys.meta_path``: finds ``jesse_dag.indicators.<name>`` as the path finder does, with its loader
    wrapped in :class:`_SubmoduleLoader`."""

    @classmethod
    def find_spec(cls, fullname: str, path=None, target=None):
        package, _, child = fullname.rpartition(".")
        if package != __name__ or not path:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None and not child.startswith("_"):
            spec.loader = _SubmoduleLoader(spec.loader)
        return spec


sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__qualname__", None) != "_SubmoduleFinder"]
sys.meta_path.insert(0, _SubmoduleFinder)  # (once, even if the package is reloaded)
