"""Jesse 3.5.3's public surface (conformance/jesse_public_names.json): every name exists in jesse-dag, or is
unsupported with a reason (conformance/unsupported_names.txt), or is still pending
(conformance/public_names_missing.txt, which must only shrink). The enumeration itself is checked against the
installed Jesse when its venv is there ($JESSE_VENV or ../.jesse-venv)."""
import json
import os
from pathlib import Path

import pytest

from conformance import public_names
from conformance.public_names import MODULES, NAMES_FILE, enumerate_jesse_names, missing_names, read_reasons

ROOT = Path(__file__).resolve().parents[1]


def _names() -> dict:
    return json.loads(NAMES_FILE.read_text())


def _pending() -> set:
    return set(read_reasons(public_names.MISSING_FILE))


def test_the_enumerated_surface_covers_every_public_module():
    names = _names()
    assert set(names) == set(MODULES)
    # a few names any Jesse strategy uses, so a broken enumeration cannot pass as an empty one
    assert {"Strategy", "cached"} <= set(names["jesse.strategies"])
    assert {"crossed", "size_to_qty", "are_cointegrated"} <= set(names["jesse.utils"])
    assert {"sma", "rsi", "supertrend", "vwap"} <= set(names["jesse.indicators"])
    assert {"backtest", "get_candles"} <= set(names["jesse.research"])


def test_every_jesse_public_name_exists_or_is_listed():
    unsupported = read_reasons(public_names.UNSUPPORTED_FILE)
    missing = set(missing_names(_names()))
    unlisted = sorted(missing - set(unsupported) - _pending())
    assert not unlisted, (f"jesse-dag lacks these public names of Jesse 3.5.3: {unlisted}; provide them, or list "
                          "them in conformance/unsupported_names.txt with the reason (live trading / Jesse's app)")
    landed = sorted(_pending() - missing)
    assert not landed, (f"these names now exist in jesse-dag: {landed}; remove their lines from "
                        "conformance/public_names_missing.txt")


def test_unsupported_names_are_absent_jesse_names_with_a_reason():
    names = {f"{m}.{n}" for m, items in _names().items() for n in items}
    unsupported = read_reasons(public_names.UNSUPPORTED_FILE)
    assert unsupported
    for name, reason in unsupported.items():
        assert name in names, f"{name} in unsupported_names.txt is not a public name of Jesse 3.5.3"
        assert len(reason) > 10, f"{name} in unsupported_names.txt needs its reason"
    present = sorted(set(unsupported) - set(missing_names(_names())))
    assert not present, f"listed as unsupported but provided: {present}; remove them from unsupported_names.txt"
    assert not set(unsupported) & _pending(), "a name is either unsupported or pending, not both"


def test_missing_names_reports_absent_names():
    assert missing_names({"jesse.utils": ["crossed", "not_a_jesse_name"], "jesse.indicators": ["sma"]}) == \
        ["jesse.utils.not_a_jesse_name"]


_JESSE_VENV = Path(os.environ.get("JESSE_VENV") or ROOT.parent / ".jesse-venv")


@pytest.mark.skipif(not (_JESSE_VENV / "bin" / "python").exists(),
                    reason=f"Jesse 3.5.3's venv is absent ({_JESSE_VENV}); `make conformance` builds it")
def test_the_committed_list_is_what_the_installed_jesse_exports():
    assert enumerate_jesse_names(_JESSE_VENV / "bin" / "python") == _names(), \
        "conformance/jesse_public_names.json is stale: run conformance/public_names.py --refresh"
