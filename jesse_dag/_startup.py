"""Process start-up costs we avoid: numba's BLAS probe imports scipy.linalg (~0.2 s) on a backtest's first call.

numba builds its compilation context on the first call of any kernel (cached or not), and part of that is
importing ``numba.np.arraymath``, whose module body asks ``numba.np.linalg.ensure_blas()`` whether scipy's
BLAS is there by *importing* ``scipy.linalg.cython_blas``: all of scipy.linalg, ~0.2 s of a fresh process,
although no backtest kernel calls BLAS. The answer only picks np.convolve/np.correlate's inner product.

:func:`defer_blas_import` makes that one probe look for the module's file instead of importing it. Everything
else is numba's own: any kernel that does use BLAS (np.dot, np.linalg) still calls the real ``ensure_blas``
while it is typed, which imports scipy.linalg then and checks its integer width. Installed by
``jesse_dag/__init__.py``; a no-op when numba's arraymath is already loaded.

Example:
    >>> import sys
    >>> defer_blas_import()  # (idempotent)
    >>> sum(isinstance(f, _DeferBlasImport) for f in sys.meta_path) <= 1
    True
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

_ARRAYMATH = "numba.np.arraymath"


def scipy_blas_installed() -> bool:
    """Whether ``scipy.linalg.cython_blas`` can be imported, judged from the files (nothing imported).

    Example:
        >>> isinstance(scipy_blas_installed(), bool)
        True
    """
    spec = importlib.util.find_spec("scipy")  # (a top-level package: its location, not its import)
    if spec is None or not spec.submodule_search_locations:
        return False
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return any((Path(d) / "linalg" / f"cython_blas{s}").exists()
               for d in spec.submodule_search_locations for s in suffixes)


def _probe_blas() -> None:
    # numba's _check_blas contract: return when BLAS is usable, raise ImportError when it is not
    if not scipy_blas_installed():
        raise ImportError("scipy 0.16+ is required for linear algebra")


class _DeferBlasImport:
    """A meta-path finder that runs numba's arraymath module body with the file-based BLAS probe, once."""

    def find_spec(self, name, path=None, target=None):
        if name != _ARRAYMATH:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or not hasattr(spec.loader, "exec_module"):
            return spec
        linalg = importlib.import_module("numba.np.linalg")
        real, exec_module = linalg.ensure_blas, spec.loader.exec_module

        def run_with_probe(module) -> None:
            # arraymath binds ``ensure_blas`` by name and calls it once, at import: it keeps the probe, every
            # other caller (the BLAS kernels' typing) gets numba's real one back
            linalg.ensure_blas = _probe_blas
            try:
                exec_module(module)
            finally:
                linalg.ensure_blas = real

        spec.loader.exec_module = run_with_probe
        return spec


def defer_blas_import() -> None:
    """Install the finder (once) unless numba's arraymath is already imported."""
    if _ARRAYMATH in sys.modules or any(isinstance(f, _DeferBlasImport) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _DeferBlasImport())
