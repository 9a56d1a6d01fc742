"""Jesse's technical indicators, computed by numba kernels: ``import jesse_dag.indicators as ta``.

Each indicator lives in its own module ``jesse_dag/indicators/<name>.py`` that defines a public
function of the same name (plus, for named results, its namedtuple). Modules load on first attribute
access, so ``import jesse_dag.indicators`` compiles and imports nothing heavy: no kernel has a compiled
signature until an indicator is first called.

Example:
    >>> import numpy as np
    >>> import jesse_dag.indicators as ta
    >>> from jesse_dag.research import candles_from_close_prices  # doctest: +SKIP
    >>> ta.ema(np.arange(1.0, 50.0), 9)  # doctest: +SKIP
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
import types
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).parent


def _indicator_module_names() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules([str(_PACKAGE_DIR)]) if not m.name.startswith("_")
    )


__all__ = _indicator_module_names()


def __getattr__(name: str) -> Any:
    # PEP 562: resolve `ta.<name>` lazily so importing the package stays cheap.
    if name.startswith("_") or name not in __all__:
        raise AttributeError(f"module 'jesse_dag.indicators' has no indicator {name!r}")
    module = importlib.import_module(f"{__name__}.{name}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _IndicatorPackage(types.ModuleType):
    # `import jesse_dag.indicators.ema` makes Python set the package attribute `ema` to the submodule;
    # keep the attribute the indicator function instead, so `ta.ema(...)` works whatever was imported first.
    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}":
            value = getattr(value, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _IndicatorPackage
