"""Code versions: they change when the library, a strategy file or a pipeline's settings change, so the
Dagster UI marks exactly the affected assets stale."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import jesse_dag
from jesse_dag.paths import path_inside

_LIBRARY_DIR = Path(jesse_dag.__file__).parent


def _hash_files(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def library_version() -> str:
    """``<package version>+<hash of the library's source files>``."""
    return f"{jesse_dag.__version__}+{_hash_files(list(_LIBRARY_DIR.rglob('*.py')), _LIBRARY_DIR)}"


def strategy_version(project_dir: str | Path, strategy: str) -> str:
    """Hash of the strategy's Python files (``strategies/<Name>/**/*.py``); models and data are not code."""
    folder = path_inside(Path(project_dir) / "strategies", strategy, what="strategy name")
    if not folder.is_dir():
        raise FileNotFoundError(f"strategy {strategy!r} not found: no folder {folder}")
    files = [p for p in folder.rglob("*.py") if "models" not in p.relative_to(folder).parts]
    return _hash_files(files, folder)
