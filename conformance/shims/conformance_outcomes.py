"""pytest plugin: writes each test's outcome to the JSON file named by ``$CONFORMANCE_OUTCOMES``.

Used for both sides of the conformance run (Jesse's venv pins pytest 6.2.5, ours is newer), so it relies only on
``pytest_runtest_logreport``, present in both. A test passes when its setup, call and teardown all pass; a skip
anywhere makes it ``skipped``; anything else is ``failed``;
deselected tests are ``deselected`` and a file that cannot be collected is one ``error`` entry. The first failing phase's short message is kept.

Example:
    CONFORMANCE_OUTCOMES=/tmp/o.json python -m pytest -p conformance_outcomes tests
    -> {"tests/test_utils.py::test_sum": {"outcome": "passed", "message": ""}, ...}
"""
import json
import os

_outcomes = {}


def _short_message(report):
    # the last line of the long representation is the exception line ("E   ValueError: ..." or "file:line: Error")
    text = str(getattr(report, "longrepr", "") or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("E ")]
    line = errors[0] if errors else (lines[-1] if lines else "")
    return line[:300]


def pytest_runtest_logreport(report):
    entry = _outcomes.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if entry["outcome"] == "failed":
        return
    if report.skipped:
        if getattr(report, "wasxfail", None) is not None:
            entry.update(outcome="failed", message="xfail: " + str(report.wasxfail)[:200])
        else:
            entry.update(outcome="skipped", message=_short_message(report))
    elif report.failed:
        entry.update(outcome="failed", message=f"{report.when}: {_short_message(report)}")


def pytest_deselected(items):
    # deselected tests (the not-applicable ones) are still listed, so the runner counts them per file
    for item in items:
        _outcomes.setdefault(item.nodeid, {"outcome": "deselected", "message": ""})


def pytest_collectreport(report):
    # a test file that cannot even be imported: its error stands for all of its tests
    if report.failed:
        _outcomes[report.nodeid] = {"outcome": "error", "message": "collection: " + _short_message(report)}


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("CONFORMANCE_OUTCOMES")
    if path:
        with open(path, "w") as fh:
            json.dump(_outcomes, fh, indent=0, sort_keys=True)
