"""Process start-up costs we avoid: two of numba's module bodies do ~0.23 s of work no backtest uses.

numba builds its compilation context on the first call of any kernel (cached or not): ~0.4 s of a fresh
process's first backtest, of which two parts are answers to questions a backtest never asks:

- ``numba.np.arraymath`` asks ``numba.np.linalg.ensure_blas()`` whether scipy's BLAS is there by *importing*
  ``scipy.linalg.cython_blas`` (all of scipy.linalg, ~0.2 s). The answer only picks np.convolve /
  np.correlate's inner product. Here that one probe looks for the module's file instead; every kernel that
  does use BLAS (np.dot, np.linalg) still calls numba's real ``ensure_blas`` while it is typed, which imports
  scipy.linalg then and checks its integer width.
- ``numba.core.typing.cffi_utils`` builds a ``cffi.FFI()`` (its C parser, ~30 ms) to recognise cffi
  functions passed to kernels. Here that FFI is built the first time numba asks it something.

:func:`defer_unused_startup` installs a meta-path finder that runs those two module bodies with the lighter
stand-ins (once each, then it removes itself); the modules are otherwise numba's own. Installed by
``jesse_dag/__init__.py``; a module already imported is left as it is.

Example:
    >>> import sys
    >>> defer_unused_startup()  # (idempotent)
    >>> sum(isinstance(f, _DeferUnusedStartup) for f in sys.meta_path) <= 1
    True
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

_ARRAYMATH = "numba.np.arraymath"
_CFFI_UTILS = "numba.core.typing.cffi_utils"


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


@contextlib.contextmanager
def _blas_probed_by_file():
    # arraymath binds ``ensure_blas`` by name and calls it once, at import: it keeps the probe, every other
    # caller (the BLAS kernels' typing) gets numba's real one back
    linalg = importlib.import_module("numba.np.linalg")
    real = linalg.ensure_blas
    linalg.ensure_blas = _probe_blas
    try:
        yield
    finally:
        linalg.ensure_blas = real


class LazyFFI:
    """A ``cffi.FFI()`` built on first use: every attribute is the real instance's.

    Example:
        >>> class Real:
        ...     kind = "function"
        >>> LazyFFI(Real).kind
        'function'
    """

    def __init__(self, factory) -> None:
        self._factory = factory
        self._ffi = None

    def __getattr__(self, name: str):
        if self._ffi is None:
            self._ffi = self._factory()
        return getattr(self._ffi, name)


@contextlib.contextmanager
def _ffi_built_on_first_use():
    try:
        import cffi
    except ImportError:  # numba's module then finds no cffi either
        yield
        return
    real = cffi.FFI
    cffi.FFI = lambda: LazyFFI(real)  # (only while cffi_utils' body runs: ``isinstance(x, cffi.FFI)`` is kept)
    try:
        yield
    finally:
        cffi.FFI = real


_STAND_INS = {_ARRAYMATH: _blas_probed_by_file, _CFFI_UTILS: _ffi_built_on_first_use}


class _DeferUnusedStartup:
    """A meta-path finder that runs numba's arraymath and cffi_utils module bodies with the stand-ins, once."""

    def __init__(self) -> None:
        self.pending = {name for name in _STAND_INS if name not in sys.modules}

    def find_spec(self, name, path=None, target=None):
        if name not in self.pending:
            return None
        self.pending.discard(name)
        if not self.pending:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module, stand_in = spec.loader.exec_module, _STAND_INS[name]

        def run_with_stand_in(module) -> None:
            with stand_in():
                exec_module(module)

        spec.loader.exec_module = run_with_stand_in
        return spec


def defer_unused_startup() -> None:
    """Install the finder (once) unless both numba modules are already imported."""
    if any(isinstance(f, _DeferUnusedStartup) for f in sys.meta_path):
        return
    finder = _DeferUnusedStartup()
    if finder.pending:
        sys.meta_path.insert(0, finder)
