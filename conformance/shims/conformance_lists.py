"""The list files of the conformance runner: one entry per line, ``  # reason`` after it, ``#`` lines are
comments; shared by the runner and the pytest plugin.

Example:
    >>> listed("tests/test_a.py::test_b[1]", ["tests/test_a.py::test_b"]), listed("tests/test_c.py::t", ["tests/test_a.py"])
    (True, False)
"""
from pathlib import Path


def read_list(path) -> list:
    """Every entry (a test file or a test id, which may hold spaces) of a list file: a line's text before
    ``  # reason``; lines starting with ``#`` are comments."""
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#"):
            continue
        line = line.split("  #", 1)[0].strip()
        if line:
            out.append(line)
    return out


def listed(nodeid: str, entries) -> bool:
    """Whether a test id is covered by an entry: its file, its id, or its id without the parameters."""
    base = nodeid.split("[", 1)[0]
    test_file = nodeid.split("::", 1)[0]
    return any(e == nodeid or e == base or e == test_file for e in entries)
