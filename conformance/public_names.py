"""Jesse 3.5.3's public surface: the names of its public modules, and which of them jesse-dag lacks.

``--refresh`` enumerates the names from the installed package (run in Jesse's venv through a subprocess) and
writes ``conformance/jesse_public_names.json``, which ``tests/test_public_surface.py`` reads, so a normal
``make test`` checks the surface without Jesse's venv. A public name is one that does not start with ``_``,
is not a module, and is defined in Jesse's package (its ``__module__`` starts with ``jesse``): the functions,
classes and namedtuples a strategy or research script can reach, not what the module imported from numpy,
typing or the standard library.

Example:
    .venv/bin/python conformance/public_names.py            # list the names jesse-dag lacks
    .venv/bin/python conformance/public_names.py --refresh  # re-enumerate from Jesse's venv first
"""
from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES_FILE = HERE / "jesse_public_names.json"
UNSUPPORTED_FILE = HERE / "unsupported_names.txt"
MISSING_FILE = HERE / "public_names_missing.txt"

# Jesse's public modules and ours
MODULES = {
    "jesse.strategies": "jesse_dag.strategies",
    "jesse.helpers": "jesse_dag.helpers",
    "jesse.utils": "jesse_dag.utils",
    "jesse.indicators": "jesse_dag.indicators",
    "jesse.research": "jesse_dag.research",
    "jesse.enums": "jesse_dag.enums",
    "jesse.candle_pipelines": "jesse_dag.candle_pipelines",
}

# runs in Jesse's venv: prints {module: sorted public names}
_ENUMERATE = """
import importlib, json, types, warnings
warnings.simplefilter("ignore")
out = {}
for name in %r:
    module = importlib.import_module(name)
    names = []
    for key, value in vars(module).items():
        if key.startswith("_") or isinstance(value, types.ModuleType):
            continue
        origin = getattr(value, "__module__", None)
        if isinstance(origin, str) and (origin == "jesse" or origin.startswith("jesse.")):
            names.append(key)
    out[name] = sorted(names)
print(json.dumps(out))
"""


def enumerate_jesse_names(jesse_python: Path) -> dict[str, list[str]]:
    """``{module: names}`` of Jesse's public modules, from the package installed for ``jesse_python``."""
    out = subprocess.run([str(jesse_python), "-c", _ENUMERATE % (list(MODULES),)], capture_output=True,
                         text=True, check=True, cwd="/")
    return json.loads(out.stdout.strip().splitlines()[-1])


def read_reasons(path: Path) -> dict[str, str]:
    """``{"jesse.module.name": reason}`` from a list file (``name  # reason`` per line).

    Example:
        >>> read_reasons(Path("conformance/unsupported_names.txt"))  # doctest: +SKIP
        {'jesse.helpers.get_config': 'reads the live config ...'}
    """
    out = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, reason = line.partition("#")
        out[name.strip()] = reason.strip()
    return out


def missing_names(names: dict[str, list[str]]) -> list[str]:
    """``jesse.module.name`` for every Jesse public name that our counterpart module does not have.

    Example:
        >>> missing_names({"jesse.utils": ["sum_floats", "no_such_name"]})
        ['jesse.utils.no_such_name']
    """
    out = []
    for module, items in names.items():
        ours = importlib.import_module(MODULES[module])
        out += [f"{module}.{n}" for n in items if not hasattr(ours, n)]
    return sorted(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--refresh", action="store_true", help="re-enumerate from Jesse's venv and rewrite the json")
    ap.add_argument("--jesse-venv", type=Path, default=None, help="Jesse's venv (default as conformance/run.py)")
    args = ap.parse_args(argv)
    if args.refresh:
        sys.path.insert(0, str(HERE))
        from run import default_jesse_venv, ensure_jesse_venv

        python = ensure_jesse_venv(args.jesse_venv or default_jesse_venv())
        names = enumerate_jesse_names(python)
        NAMES_FILE.write_text(json.dumps(names, indent=1, sort_keys=True) + "\n")
        print(f"wrote {NAMES_FILE.name}: " + ", ".join(f"{m} {len(v)}" for m, v in names.items()))
    names = json.loads(NAMES_FILE.read_text())
    unsupported = read_reasons(UNSUPPORTED_FILE)
    pending = read_reasons(MISSING_FILE)
    lacking = [n for n in missing_names(names) if n not in unsupported]
    total = sum(len(v) for v in names.values())
    print(f"{total - len(lacking) - len(unsupported)} of {total} public names of Jesse present, "
          f"{len(unsupported)} unsupported with a reason, {len(lacking)} missing "
          f"({sum(n in pending for n in lacking)} of them listed in {MISSING_FILE.name}):")
    for n in lacking:
        print(f"  {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
