"""``make conformance``: Jesse's own test suite (``../shared/jesse-tests``) run against jesse-dag.

Jesse 3.5.3 lives in a virtualenv of its own (``$JESSE_VENV``, default ``../.jesse-venv`` beside the clone),
built when absent. Its package gives the fixtures (``jesse.config``, ``jesse.factories``, ``testing_utils``,
the ``Test*`` strategies); our public modules stand in for Jesse's (``conformance/shims/jesse_shim.py``); the
tests run with OUR venv's python and pytest, in a temporary copy of the suite.

Prints a table per test file and ``N of M applicable tests pass (Jesse: K)``, where K counts the applicable
tests that Jesse 3.5.3 itself passes (``conformance/jesse_passes.txt``, made by ``--refresh-jesse``).
Tests in ``conformance/not_applicable.txt`` (Jesse's internals, each with its reason) are not run.

Ratchet: ``conformance/passing.txt`` lists the tests that pass today. The run fails (exit 1) only when one of
them fails; newly passing tests are printed, and ``--update-ratchet`` adds them (it never removes).

Example:
    .venv/bin/python conformance/run.py                   # run, print the table, check the ratchet
    .venv/bin/python conformance/run.py --update-ratchet  # also add newly passing tests to passing.txt
    .venv/bin/python conformance/run.py --refresh-jesse   # re-run the suite in Jesse's venv first
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
SHIMS = HERE / "shims"
NOT_APPLICABLE = HERE / "not_applicable.txt"
PASSING = HERE / "passing.txt"
JESSE_PASSES = HERE / "jesse_passes.txt"
JESSE_VERSION = "3.5.3"
FAILS_MARK = "#fails "  # jesse_passes.txt keeps the tests Jesse fails as comments, for the per-file counts

sys.path.insert(0, str(SHIMS))
from conformance_lists import listed, read_list  # noqa: E402

_IMPORT_LINE = re.compile(r"^(\s*)(from|import)(\s+)jesse\b", re.MULTILINE)


def default_jesse_venv() -> Path:
    """``$JESSE_VENV``, else ``.jesse-venv`` beside the clone (outside it, so ``make clean`` keeps it)."""
    env = os.environ.get("JESSE_VENV")
    return Path(env) if env else PROJECT.parent / ".jesse-venv"


def default_suite() -> Path:
    env = os.environ.get("JESSE_TESTS")
    return Path(env) if env else PROJECT.parent / "shared" / "jesse-tests"


def ensure_jesse_venv(venv: Path) -> Path:
    """The python of Jesse's venv, building the venv (``pip install jesse==3.5.3``, ~2 min) when absent."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", f"import jesse.version as v; assert v.__version__ == '{JESSE_VERSION}', v.__version__"]
    if python.exists():
        probe = subprocess.run(check, capture_output=True, text=True)
        if probe.returncode == 0:
            return python
        print(f"{venv} has no working Jesse {JESSE_VERSION}: {probe.stderr.strip()[-300:]}", flush=True)
    print(f"building Jesse {JESSE_VERSION}'s virtualenv in {venv} (about 2 minutes)...", flush=True)
    base = getattr(sys, "_base_executable", None) or shutil.which("python3.11") or "python3"
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"jesse=={JESSE_VERSION}"], check=True)
    subprocess.run(check, check=True)
    return python


def jesse_site_packages(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import jesse, os; print(os.path.dirname(os.path.dirname(jesse.__file__)))"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def rewrite_imports(source: str) -> str:
    """A strategy's import lines changed as a user ports it: ``jesse`` -> ``jesse_dag``.

    Example:
        >>> rewrite_imports("from jesse.strategies import Strategy\\nimport jesse.indicators as ta\\nx = 'jesse'")
        "from jesse_dag.strategies import Strategy\\nimport jesse_dag.indicators as ta\\nx = 'jesse'"
    """
    return _IMPORT_LINE.sub(r"\1\2\3jesse_dag", source)


def build_suite(dest: Path, suite_src: Path, site: Path, ours: bool) -> Path:
    """A copy of the suite in ``dest`` with Jesse's test strategies in ``jesse/strategies`` (where Jesse's router
    looks when unit testing) and ``strategies`` (where ours looks). ``ours``: imports rewritten for jesse-dag;
    else the installed strategies themselves (the Jesse side)."""
    shutil.copytree(suite_src / "tests", dest / "tests")
    shutil.copy2(suite_src / "conftest.py", dest / "conftest.py")
    installed = site / "jesse" / "strategies"
    target = dest / "jesse" / "strategies"
    target.parent.mkdir(parents=True)
    if not ours:
        target.symlink_to(installed, target_is_directory=True)
        return dest
    for strategy in sorted(p for p in installed.iterdir() if p.is_dir() and (p / "__init__.py").is_file()):
        for src in strategy.rglob("*"):
            if "__pycache__" in src.parts or src.is_dir():
                continue
            out = target / strategy.name / src.relative_to(strategy)
            out.parent.mkdir(parents=True, exist_ok=True)
            if src.suffix == ".py":
                out.write_text(rewrite_imports(src.read_text()))
            else:
                shutil.copy2(src, out)
    (dest / "strategies").symlink_to(target, target_is_directory=True)
    return dest


def run_pytest(python: Path, suite: Path, plugins: list[str], env_extra: dict, pytest_args: list[str]) -> dict:
    outcomes = suite / "outcomes.json"
    env = dict(os.environ)
    env.update(env_extra)
    env["CONFORMANCE_OUTCOMES"] = str(outcomes)
    # Jesse's venv pins pytest 6.2.5, whose auto-loaded anyio plugin crashes; load only what we name
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--continue-on-collection-errors",
           "-o", "addopts=", "--tb=short"]
    for p in plugins:
        cmd += ["-p", p]
    cmd += pytest_args + ["tests"]
    log = suite / "pytest.log"
    with open(log, "w") as fh:
        subprocess.run(cmd, cwd=suite, env=env, stdout=fh, stderr=subprocess.STDOUT)
    if not outcomes.exists():
        sys.exit(f"pytest wrote no outcomes; its log: {log}\n" + log.read_text()[-3000:])
    return json.loads(outcomes.read_text())


def write_list(path: Path, header: str, names: set[str]) -> None:
    path.write_text(header + "".join(f"{n}\n" for n in sorted(names)))


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def refresh_jesse(jesse_python: Path, site: Path, suite_src: Path, work: Path) -> set[str]:
    suite = build_suite(work / "jesse-side", suite_src, site, ours=False)
    print("running the suite in Jesse's venv...", flush=True)
    outcomes = run_pytest(jesse_python, suite, ["conformance_outcomes"], {"PYTHONPATH": str(SHIMS)}, [])
    passes = {k for k, v in outcomes.items() if v["outcome"] == "passed"}
    fails = sorted(set(outcomes) - passes)
    write_list(JESSE_PASSES, f"# Tests of ../shared/jesse-tests that Jesse {JESSE_VERSION} itself passes "
                             f"({len(passes)} of {len(outcomes)}), made by `conformance/run.py --refresh-jesse`.\n"
                             f"# The {len(fails)} it does not pass are at the end, as comments.\n", passes)
    with open(JESSE_PASSES, "a") as fh:
        fh.writelines(f"{FAILS_MARK}{t}\n" for t in fails)
    return read_jesse_side()


def read_jesse_side() -> tuple[set[str], set[str]]:
    """(tests Jesse passes, every test of the suite) from jesse_passes.txt."""
    passes = set(read_list(JESSE_PASSES))
    fails = {ln[len(FAILS_MARK):].strip() for ln in JESSE_PASSES.read_text().splitlines() if ln.startswith(FAILS_MARK)}
    return passes, passes | fails


def merge_outcomes(universe: set[str], ours: dict, not_applicable: list[str]) -> dict:
    """Every test of the suite with our outcome, ``deselected`` when it does not apply. A test file that could not
    be collected here fails each of its tests with that error; a test the run did not report fails as not run."""
    out = {}
    for t in sorted(universe | {k for k, v in ours.items() if "::" in k and v["outcome"] != "deselected"}):
        if listed(t, not_applicable):
            out[t] = {"outcome": "deselected", "message": ""}
        elif t in ours:
            out[t] = ours[t]
        elif file_of(t) in ours and ours[file_of(t)]["outcome"] == "error":
            out[t] = {"outcome": "failed", "message": ours[file_of(t)]["message"]}
        else:
            out[t] = {"outcome": "failed", "message": "not run (not collected here)"}
    return out


def table(outcomes: dict, jesse_passes: set[str]) -> tuple[str, int, int, int]:
    rows = defaultdict(lambda: [0, 0, 0, 0])  # applicable, pass, Jesse passes (applicable), not applicable
    for nodeid, o in outcomes.items():
        r = rows[file_of(nodeid)]
        if o["outcome"] == "deselected":
            r[3] += 1
            continue
        r[0] += 1
        r[1] += o["outcome"] == "passed"
        r[2] += nodeid in jesse_passes
    lines = [f"{'test file':<52} {'applicable':>10} {'pass':>5} {'Jesse':>5} {'n/a':>5}"]
    totals = [0, 0, 0, 0]
    for f in sorted(rows):
        r = rows[f]
        totals = [a + b for a, b in zip(totals, r)]
        lines.append(f"{f:<52} {r[0]:>10} {r[1]:>5} {r[2]:>5} {r[3]:>5}")
    lines.append(f"{'total':<52} {totals[0]:>10} {totals[1]:>5} {totals[2]:>5} {totals[3]:>5}")
    return "\n".join(lines), totals[1], totals[0], totals[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jesse-venv", type=Path, default=default_jesse_venv(),
                    help="Jesse 3.5.3's virtualenv (built when absent; default $JESSE_VENV or ../.jesse-venv)")
    ap.add_argument("--suite", type=Path, default=default_suite(), help="Jesse's tests (default ../shared/jesse-tests)")
    ap.add_argument("--refresh-jesse", action="store_true", help="re-run the suite with Jesse and rewrite jesse_passes.txt")
    ap.add_argument("--update-ratchet", action="store_true", help="add newly passing tests to passing.txt")
    ap.add_argument("--keep", action="store_true", help="keep the temporary suite copy (logs in it)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every failing applicable test")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --), e.g. -- -k parent_strategy")
    args = ap.parse_args(argv)

    if not (args.suite / "tests").is_dir():
        sys.exit(f"Jesse's test suite not found at {args.suite} (set $JESSE_TESTS or --suite)")
    started = time.monotonic()
    jesse_python = ensure_jesse_venv(args.jesse_venv)
    site = jesse_site_packages(jesse_python)
    work = Path(tempfile.mkdtemp(prefix="jesse-conformance-"))
    try:
        if args.refresh_jesse or not JESSE_PASSES.exists():
            jesse_passes, universe = refresh_jesse(jesse_python, site, args.suite, work)
        else:
            jesse_passes, universe = read_jesse_side()
        suite = build_suite(work / "ours", args.suite, site, ours=True)
        env = {"PYTHONPATH": os.pathsep.join([str(PROJECT), str(SHIMS)]), "JESSE_SITE_PACKAGES": str(site),
               "CONFORMANCE_NOT_APPLICABLE": str(NOT_APPLICABLE)}
        not_applicable = read_list(NOT_APPLICABLE)
        ignores = [f"--ignore={e}" for e in not_applicable if "::" not in e]
        ours = run_pytest(Path(sys.executable), suite, ["conformance_outcomes", "jesse_shim", "pytest_timeout"],
                          env, ["--timeout=600"] + ignores + args.pytest_args)
        if args.pytest_args:  # a partial run (-k ...): count only what ran
            universe = {t for t, o in ours.items() if "::" in t and o["outcome"] != "deselected"}
        outcomes = merge_outcomes(universe, ours, not_applicable)
    finally:
        if args.keep:
            print(f"suite copy kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    text, n, m, k = table(outcomes, jesse_passes)
    print(text)
    print(f"\n{n} of {m} applicable tests pass (Jesse: {k})")
    applicable = {t: o for t, o in outcomes.items() if o["outcome"] != "deselected"}
    passing_now = {t for t, o in applicable.items() if o["outcome"] == "passed"}
    behind = sorted(t for t in applicable if t in jesse_passes and t not in passing_now)
    if behind:
        print(f"\n{len(behind)} applicable tests Jesse passes fail here:")
        for t in behind if args.verbose else behind[:40]:
            print(f"  {t}\n      {applicable[t]['message'][:160]}")
        if not args.verbose and len(behind) > 40:
            print(f"  ... and {len(behind) - 40} more (-v lists all)")

    ratchet = set(read_list(PASSING))
    broken = sorted(t for t in ratchet if t not in passing_now)
    new = sorted(passing_now - ratchet)
    if new:
        if args.update_ratchet:
            write_list(PASSING, PASSING.read_text().split("\n", 1)[0] + "\n" if PASSING.exists() else
                       "# Applicable Jesse tests that pass on jesse-dag: a listed test must keep passing "
                       "(conformance/run.py --update-ratchet adds, never removes).\n", ratchet | passing_now)
            print(f"\nadded {len(new)} newly passing tests to {PASSING.relative_to(PROJECT)}")
        else:
            print(f"\n{len(new)} tests pass that the ratchet does not list yet:")
            for t in new:
                print(f"  {t}")
            print("add them: make conformance ARGS=--update-ratchet  (or conformance/run.py --update-ratchet)")
    print(f"\nconformance run took {time.monotonic() - started:.0f} s")
    if broken and not args.pytest_args:
        print(f"\nRATCHET BROKEN: {len(broken)} tests listed in {PASSING.relative_to(PROJECT)} fail now:")
        for t in broken:
            print(f"  {t}\n      {outcomes.get(t, {}).get('message', 'not run (missing from the suite?)')[:200]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
