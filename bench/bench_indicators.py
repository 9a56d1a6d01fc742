"""Indicator speed: jesse_dag (numba) vs Jesse 3.5.3, and first-call (compile) cost.

Run by hand:  .venv/bin/python bench/bench_indicators.py [--jesse-python /work/jesse-venv/bin/python]

For every indicator in ``jesse_dag.indicators.__all__``: the per-call time of ``sequential=True`` on
100,000 synthetic candles and of ``sequential=False`` on 240 candles, timeit-style (loop count sized
to a small time budget, best of 25 short repeats; a call slower than the budget is timed once). Jesse's
timings come from the same measurement in one long-lived subprocess in Jesse's venv (neutral cwd), asked
one indicator at a time in turn with ours, so load changes on a shared machine hit both sides alike
(``--jesse-json`` reuses a saved Jesse run while iterating; ``--save`` writes after every indicator, and a worker
that dies is reported for that indicator and replaced). Prints the geometric-mean ratio (Jesse / ours,
>1 means we are faster), the ten slowest indicators relative to Jesse, and the first-call cost of the
ten most used indicators with a warm and a cold (empty NUMBA_CACHE_DIR) numba cache.
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOP10 = ["ema", "sma", "rsi", "atr", "macd", "bollinger_bands", "adx", "supertrend", "stochf", "vwap"]

# A worker in the interpreter that runs it (ours or Jesse's): reads indicator names on stdin, answers each with
# a line ``@@[name, [seq_s, single_s]]`` (other output, e.g. Jesse's banners, is ignored).
TIMER = textwrap.dedent(r"""
    import inspect, json, sys, time, math
    BUDGET_SEQ, BUDGET_ONE = 0.3, 0.15
    import numpy as np
    import os
    mod, = json.loads(os.environ['BENCH_ARGS'])
    ta = __import__(mod, fromlist=['x'])
    rng = np.random.default_rng(42)
    n = 100_000
    close = 30000 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.002, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.002, n))
    ts = 1_600_000_000_000 + 60_000 * np.arange(n, dtype=np.float64)
    big = np.column_stack([ts, open_, close, high, low, rng.uniform(1, 100, n)])
    small = np.ascontiguousarray(big[-240:])
    REPEATS = 25
    def per_call(f, budget):
        # timeit-style: one probe call, then loops sized to ~budget/25 per repeat, best of 25 repeats (the
        # best, not the mean: other processes on a shared machine only ever add time; many short repeats
        # so that some fall between the scheduler's preemptions on a loaded machine)
        t = time.perf_counter(); f(); first = time.perf_counter() - t
        if first >= budget:
            return first
        number = max(1, int(budget / REPEATS / max(first, 1e-7)))
        best = first
        for _ in range(REPEATS):
            t = time.perf_counter()
            for _ in range(number):
                f()
            best = min(best, (time.perf_counter() - t) / number)
        return best
    def measure(name):
        fn = getattr(ta, name, None)
        if fn is None:
            return None
        extra = [p for p in inspect.signature(fn).parameters if p in ('benchmark_candles', 'candles_compare')]
        try:
            fn(big[:300], sequential=True, **{p: big[:300] for p in extra})  # warm-up / compile
            kw = {p: big for p in extra}
            seq = per_call(lambda: fn(big, sequential=True, **kw), BUDGET_SEQ)
            kw1 = {p: small for p in extra}
            fn(small, sequential=False, **kw1)
            one = per_call(lambda: fn(small, sequential=False, **kw1), BUDGET_ONE)
            return [seq, one]
        except Exception as e:  # report, don't stop the whole bench
            return [None, None, f'{type(e).__name__}: {e}'[:120]]
    print('@@ready', flush=True)
    for line in sys.stdin:
        name = line.strip()
        print('@@' + json.dumps([name, measure(name)]), flush=True)
""").replace("math.inf", "float('inf')")

FIRST_CALL = textwrap.dedent(r"""
    import json, sys, time
    import numpy as np
    t0 = time.perf_counter()
    import jesse_dag.indicators as ta
    rng = np.random.default_rng(1)
    n = 500
    close = 30000 + np.cumsum(rng.normal(0, 20, n))
    c = np.column_stack([np.arange(n) * 60000.0, close, close + 1, close + 5, close - 5, np.ones(n)])
    out = {}
    import os
    for name in json.loads(json.loads(os.environ['BENCH_ARGS'])[0]):
        if name not in ta.__all__:
            continue
        t = time.perf_counter(); getattr(ta, name)(c, sequential=True); out[name] = time.perf_counter() - t
    print(json.dumps(out))
""")


def _run(python: str, code: str, *args: str, env: dict | None = None) -> dict:
    # run as a script file: Jesse refuses to import under ``python -c`` outside a Jesse project
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(code)
    try:
        # arguments travel in an env var: Jesse treats extra argv entries as a CLI call and exits
        # and the working directory is neutral: Jesse treats a folder with strategies/ as its project
        res = subprocess.run([python, f.name], capture_output=True, text=True, cwd=tempfile.gettempdir(),
                             env={**os.environ, "BENCH_ARGS": json.dumps(args), "PYTHONPATH": str(REPO),
                                  **(env or {})})
    finally:
        os.unlink(f.name)
    if res.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


class _Worker:
    """A long-lived timing process (``TIMER``) in one interpreter, asked one indicator at a time."""

    def __init__(self, python: str, module: str) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(TIMER)
        self._script = f.name
        # run as a script file from a neutral cwd with the module in an env var: Jesse refuses to import
        # under ``python -c``, treats extra argv entries as a CLI call and a folder with strategies/ as
        # its project
        self._proc = subprocess.Popen([python, f.name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True, cwd=tempfile.gettempdir(),
                                      env={**os.environ, "BENCH_ARGS": json.dumps([module]),
                                           "PYTHONPATH": str(REPO)})
        self._read()  # '@@ready'

    def _read(self) -> str:
        while True:
            line = self._proc.stdout.readline()
            if not line:
                raise RuntimeError(f"timing worker {self._proc.args[0]} exited")
            if line.startswith("@@"):
                return line[2:]

    def ask(self, name: str):
        self._proc.stdin.write(name + "\n")
        self._proc.stdin.flush()
        got, result = json.loads(self._read())
        return result

    def close(self) -> None:
        self._proc.stdin.close()
        self._proc.wait()
        os.unlink(self._script)


def _best(old, new):
    """Element-wise minimum of two ``[seq_s, single_s]`` answers (a failed answer loses to a good one)."""
    if not old or old[0] is None:
        return new
    if not new or new[0] is None:
        return old
    return [min(a, b) for a, b in zip(old[:2], new[:2])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jesse-python", default="/work/jesse-venv/bin/python")
    ap.add_argument("--only", nargs="*", help="restrict to these indicators")
    ap.add_argument("--save", help="write both sides' timings as JSON to this file")
    ap.add_argument("--jesse-json", help="reuse Jesse's timings from a file written by --save (Jesse's side is slow)")
    ap.add_argument("--all", action="store_true", help="print every indicator, not only the slowest ten")
    ap.add_argument("--no-first-call", action="store_true", help="skip the first-call (compile) measurement")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure every indicator this many times (interleaved) and keep each side's best")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    import jesse_dag.indicators as ta

    names = args.only or [n for n in ta.__all__
                          if "sequential" in inspect.signature(getattr(ta, n)).parameters]
    workers = {"ours": _Worker(sys.executable, "jesse_dag.indicators")}
    if args.jesse_json:
        jesse = json.loads(Path(args.jesse_json).read_text())["jesse"]
    elif Path(args.jesse_python).exists():
        jesse = {}
        workers["jesse"] = _Worker(args.jesse_python, "jesse.indicators")
    else:
        jesse = {}
    ours = {}
    # interleaved, one indicator at a time on each side, so a change in the machine's load hits both alike;
    # with --rounds, a burst of load during one round is outvoted by the others (best per side and metric)
    pythons = {"ours": (sys.executable, "jesse_dag.indicators"), "jesse": (args.jesse_python, "jesse.indicators")}

    def ask(side: str, name: str):
        # a worker that dies (a crash inside one indicator) is reported for that indicator and replaced
        try:
            return workers[side].ask(name)
        except RuntimeError as e:
            try:
                workers[side].close()
            except OSError:
                pass
            workers[side] = _Worker(*pythons[side])
            return [None, None, str(e)[:120]]

    for r in range(max(1, args.rounds)):
        for i, n in enumerate(names):
            ours[n] = _best(ours.get(n), ask("ours", n))
            if "jesse" in workers:
                jesse[n] = _best(jesse.get(n), ask("jesse", n))
            if args.save:  # saved as it goes: Jesse's side is slow, a crash or a stop keeps what was measured
                Path(args.save).write_text(json.dumps({"ours": ours, "jesse": jesse}, indent=1))
            print(f"\r  round {r + 1}: {i + 1}/{len(names)} {n:<28}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for w in workers.values():
        w.close()

    rows = []
    for n in names:
        o, j = ours.get(n), jesse.get(n)
        if not o or o[0] is None:
            print(f"  ours failed: {n}: {o[2] if o else 'missing'}")
            continue
        if not j or j[0] is None:
            continue
        rows.append((n, j[0] / o[0], j[1] / o[1], o[0], j[0], o[1], j[1]))
    if rows:
        gm_seq = math.exp(sum(math.log(r[1]) for r in rows) / len(rows))
        gm_one = math.exp(sum(math.log(r[2]) for r in rows) / len(rows))
        print(f"{len(rows)} indicators compared (ratio = Jesse time / our time, >1 = we are faster)")
        print(f"geometric-mean ratio: sequential on 100k = {gm_seq:.2f}x, non-sequential on 240 = {gm_one:.2f}x")
        print("slowest ten relative to Jesse (sequential 100k):")
        for r in sorted(rows, key=lambda r: r[1])[:10]:
            print(f"  {r[0]:<24} ratio {r[1]:7.2f}  ours {r[3]*1e3:9.2f} ms  jesse {r[4]*1e3:9.2f} ms")
        print("slowest ten relative to Jesse (non-sequential 240):")
        for r in sorted(rows, key=lambda r: r[2])[:10]:
            print(f"  {r[0]:<24} ratio {r[2]:7.2f}  ours {r[5]*1e6:9.1f} us  jesse {r[6]*1e6:9.1f} us")

    if args.all:
        print("all (name, seq ratio, non-seq ratio, ours seq ms, jesse seq ms, ours one us, jesse one us):")
        for r in sorted(rows, key=lambda r: min(r[1], r[2])):
            print(f"  {r[0]:<24} {r[1]:7.2f} {r[2]:7.2f} {r[3]*1e3:9.2f} {r[4]*1e3:9.2f} {r[5]*1e6:9.1f} {r[6]*1e6:9.1f}")
    if args.no_first_call:
        return
    top = [n for n in TOP10 if n in ta.__all__]
    _run(sys.executable, FIRST_CALL, json.dumps(top))  # make sure the default cache is populated
    warm = _run(sys.executable, FIRST_CALL, json.dumps(top))
    with tempfile.TemporaryDirectory() as tmp:
        cold = _run(sys.executable, FIRST_CALL, json.dumps(top), env={"NUMBA_CACHE_DIR": tmp})
    print("first call (s), warm cache / cold cache:")
    for n in top:
        print(f"  {n:<18} {warm[n]:7.3f} / {cold[n]:7.3f}")
    print(f"  total              {sum(warm.values()):7.3f} / {sum(cold.values()):7.3f}")
    missing = [n for n in TOP10 if n not in ta.__all__]
    if missing:
        print(f"  not implemented yet: {', '.join(missing)}")


if __name__ == "__main__":
    main()
