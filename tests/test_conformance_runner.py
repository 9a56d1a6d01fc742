"""The conformance runner's pieces (conformance/run.py) and its committed lists; the run itself is
`make conformance` (it needs Jesse's venv and ../shared/jesse-tests)."""
from pathlib import Path

import pytest

from conformance import run
from conformance.run import (JESSE_PASSES, NOT_APPLICABLE, PASSING, listed, merge_outcomes, read_jesse_side, read_list,
                             rewrite_imports, table)


def test_strategy_import_lines_are_ported_as_a_user_does():
    src = ("from jesse.strategies import Strategy, cached\nimport jesse.indicators as ta\nfrom jesse import utils\n"
           "    import jesse.helpers as jh\n# jesse is great\nname = 'jesse.strategies'\n")
    assert rewrite_imports(src) == (
        "from jesse_dag.strategies import Strategy, cached\nimport jesse_dag.indicators as ta\n"
        "from jesse_dag import utils\n    import jesse_dag.helpers as jh\n# jesse is great\n"
        "name = 'jesse.strategies'\n")


def test_an_entry_covers_its_file_its_test_and_the_test_parameters():
    entries = ["tests/test_router.py", "tests/test_helpers.py::test_get_pid"]
    assert listed("tests/test_router.py::test_x[a b]", entries)
    assert listed("tests/test_helpers.py::test_get_pid", entries)
    assert listed("tests/test_helpers.py::test_get_pid[1]", entries)
    assert not listed("tests/test_helpers.py::test_get_pid_extra", entries)
    assert not listed("tests/test_utils.py::test_x", entries)


def test_list_entries_keep_spaces_and_drop_reasons(tmp_path):
    f = tmp_path / "l.txt"
    f.write_text("# header\ntests/a.py::t[Binance Spot]\ntests/b.py  # reason # more\n\n")
    assert read_list(f) == ["tests/a.py::t[Binance Spot]", "tests/b.py"]


def test_outcomes_cover_the_whole_suite():
    universe = {"tests/a.py::t1", "tests/a.py::t2", "tests/b.py::t1", "tests/c.py::t1", "tests/d.py::t1"}
    ours = {"tests/a.py::t1": {"outcome": "passed", "message": ""},
            "tests/b.py": {"outcome": "error", "message": "collection: E   ImportError: x"}}
    out = merge_outcomes(universe, ours, ["tests/c.py", "tests/a.py::t2"])
    assert out["tests/a.py::t1"]["outcome"] == "passed"
    assert out["tests/a.py::t2"]["outcome"] == "deselected"
    assert out["tests/c.py::t1"]["outcome"] == "deselected"
    # a file that cannot be imported fails each of its tests with that error
    assert out["tests/b.py::t1"] == {"outcome": "failed", "message": "collection: E   ImportError: x"}
    assert out["tests/d.py::t1"]["outcome"] == "failed"
    text, n, m, k = table(out, {"tests/a.py::t1", "tests/b.py::t1", "tests/c.py::t1"})
    assert (n, m, k) == (1, 3, 2)
    assert "tests/c.py" in text and text.splitlines()[-1].split()[1:] == ["3", "1", "2", "2"]


@pytest.mark.skipif(not JESSE_PASSES.exists(), reason="no jesse_passes.txt")
def test_committed_lists_name_tests_of_the_suite():
    passes, universe = read_jesse_side()
    assert len(universe) == 632 and len(passes) == 619  # Jesse 3.5.3 on jesse-ai/jesse@682b171's tests
    not_applicable = read_list(NOT_APPLICABLE)
    files = {t.split("::", 1)[0] for t in universe}
    for entry in not_applicable:
        assert entry in files or any(listed(t, [entry]) for t in universe), f"not_applicable.txt: {entry} is no test"
    for line in NOT_APPLICABLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "  # " in line and len(line.split("  # ", 1)[1]) > 10, f"not_applicable.txt: no reason: {line}"
    ratchet = read_list(PASSING)
    assert ratchet, "passing.txt is empty"
    for t in ratchet:
        assert t in universe, f"passing.txt: {t} is no test of the suite"
        assert not listed(t, not_applicable), f"passing.txt: {t} is listed as not applicable"


def test_the_default_jesse_venv_is_outside_the_clone(monkeypatch):
    monkeypatch.delenv("JESSE_VENV", raising=False)
    assert run.default_jesse_venv() == run.PROJECT.parent / ".jesse-venv"
    monkeypatch.setenv("JESSE_VENV", "/somewhere/venv")
    assert run.default_jesse_venv() == Path("/somewhere/venv")
