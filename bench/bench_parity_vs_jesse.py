#!/usr/bin/env python3
"""Every parity case on our engine and on Jesse 3.5.3 in one run: the parity verdict, with both times.

For each case of ``tests/parity_cases/cases.json`` (the eight shared cases, gather cases included, and
the extra ones): our ``research.backtest`` wall time (the call only, like Jesse's ``seconds``; cold =
first call in this process, numba compile included, warm = the best of ``--repeat`` more calls),
Jesse's time from a subprocess of ``jesse_oracle.py`` (or ``tests/parity_cases/jesse_oracle_case.py``
for the cases it cannot express): the first call in a fresh process, so no ratio is drawn against our warm
time; and ``compare.py``'s verdict on our trades against the stored reference. Speed against Jesse, like
with like (warm workers, fresh processes): ``bench/bench_vs_jesse.py``.

Usage: .venv/bin/python bench/bench_parity_vs_jesse.py [--jesse /work/jesse-venv/bin/python]
                                                      [--repeat 2] [--no-jesse] [CASE ...]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import test_parity_trading as harness  # noqa: E402
from tests.conftest import DATA_DIR, PARITY_DIR  # noqa: E402

SINGLE_ROUTE_KEYS = {"name", "source", "data", "symbol", "timeframe", "type", "leverage", "fee", "warmup_bars",
                     "data_routes", "gather", "hp", "leverage_mode", "minutes", "fast_mode", "feature"}


def run_ours(case: dict, repeat: int) -> tuple[float, float, dict]:
    from jesse_dag import research

    config, routes, data_routes, candles, warmup = harness.build_inputs(case, DATA_DIR)
    times, result = [], None
    for _ in range(1 + repeat):
        t0 = time.perf_counter()
        result = research.backtest(config, routes, data_routes, candles, warmup,
                                   fast_mode=case.get("fast_mode", True))
        times.append(time.perf_counter() - t0)
    keys = harness.TRADE_KEYS + ("symbol",)
    out = {"trades": [{k: t[k] for k in keys if k in t} for t in result["trades"]], "metrics": result["metrics"]}
    return times[0], min(times[1:]) if repeat else times[0], out


def jesse_command(case: dict, jesse_python: str, out: str) -> list[str]:
    if set(case) <= SINGLE_ROUTE_KEYS and not case.get("routes"):
        cmd = [jesse_python, str(PARITY_DIR / "jesse_oracle.py"), str(harness.STRATEGIES_DIR / f"{case['name']}.py"),
               str(DATA_DIR / case["data"]), "--timeframe", case["timeframe"], "--type", case["type"],
               "--leverage", str(case["leverage"]), "--leverage-mode", case.get("leverage_mode", "cross"),
               "--fee", str(case["fee"]), "--warmup-bars", str(case["warmup_bars"]), "--symbol", case["symbol"],
               "-o", out]
        for tf in case.get("data_routes", []):
            cmd += ["--data-route", tf]
        if case.get("minutes"):
            cmd += ["--minutes", str(case["minutes"])]
        if case.get("fast_mode") is False:
            cmd.append("--no-fast")
        if case.get("gather"):
            cmd.append("--gather")
        return cmd
    return [jesse_python, str(harness.CASES_DIR / "jesse_oracle_case.py"), case["name"], "--data", str(DATA_DIR),
            "-o", out]


def run_jesse(case: dict, jesse_python: str) -> float | None:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "jesse.json")
        proc = subprocess.run(jesse_command(case, jesse_python, out), capture_output=True, text=True)
        if proc.returncode:
            print(f"  jesse failed on {case['name']}: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            return None
        return json.load(open(out))["seconds"]


def verdict(case: dict, ours: dict) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        ours_path = Path(tmp) / "ours.json"
        ref_path = harness.REFERENCE_DIR / f"{case['name']}.json"
        if case["name"] == "FlipOnCross":
            ref_path = Path(tmp) / "ref.json"
            ref_path.write_text(json.dumps(harness.correct_jesse_flip_bookkeeping(
                harness.load_reference(case["name"]), case["fee"]), default=float))
        ours_path.write_text(json.dumps(ours, default=float))
        proc = harness.run_compare(ref_path, ours_path, PARITY_DIR / "compare.py")
        return proc.stdout.strip().splitlines()[-1].split(":")[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--jesse", default=str(Path(os.environ.get("JESSE_VENV") or ROOT.parent / ".jesse-venv")
                                           / "bin" / "python"))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-jesse", action="store_true")
    a = ap.parse_args()
    rows = []
    print(f"{'case':<22} {'trades':>6} {'ours cold s':>11} {'ours warm s':>11} {'jesse 1st s':>11}  parity")
    for case in harness.CASES:
        if (a.cases and case["name"] not in a.cases) or case.get("expect_error"):
            continue  # a case that stops with an error has no timing to compare
        try:
            cold, warm, ours = run_ours(case, a.repeat)
            agree = verdict(case, ours)
            n = len(ours["trades"])
        except Exception as exc:  # one broken case must not hide the others' figures
            cold = warm = float("nan")
            agree, n = f"ERROR {type(exc).__name__}: {str(exc)[:60]}", -1
        jesse = None if a.no_jesse else run_jesse(case, a.jesse)
        js = f"{jesse:11.3f}" if jesse else f"{'-':>11}"
        print(f"{case['name']:<22} {n:>6} {cold:11.3f} {warm:11.3f} {js}  {agree}", flush=True)
        rows.append((case["name"], cold, warm, jesse, agree))
    agreed = sum(r[4] == "AGREE" for r in rows)
    print(f"\n{agreed}/{len(rows)} cases AGREE")


if __name__ == "__main__":
    main()
