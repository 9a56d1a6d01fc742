#!/usr/bin/env python3
"""One side of ``bench_vs_jesse.py``: runs backtests on Jesse 3.5.3 or on jesse-dag, timed the same way.

The same file runs under Jesse's venv (``--engine jesse``) and ours (``--engine ours``): it imports nothing
of either at module level, and writes strategies in Jesse's API (``from jesse...``), whose import lines it
turns into ``jesse_dag`` ones for ours, as a user porting a strategy does.

A case spec (JSON) names everything a backtest needs, candles as ``.npy`` files in Jesse's column order::

    {"name": ..., "config": {...}, "fast_mode": true, "hp": null,
     "routes": [{"strategy_file": ..., "symbol": ..., "timeframe": ..., "candles": "x.npy", "split": 3150}],
     "data_routes": [{"symbol": ..., "timeframe": ...}],
     "data_candles": [{"symbol": ..., "candles": "y.npy", "split": 3150}]}  # symbols only data routes read

Modes:
- ``--serve``: a long-lived worker; one JSON request a line on stdin, one JSON answer a line on stdout
  (``{"op": "load", "id", "spec"}``, ``{"op": "run", "id"}`` -> seconds of the backtest call alone,
  ``{"op": "batch", "id", "variations"}``, ``{"op": "drop", "id"}``, ``{"op": "exit"}``);
- ``--cold SPEC``: import timed, then the first backtest timed (a fresh process); prints one JSON line;
- ``--memory SPEC``: a small warm-up run, then the peak resident memory (VmHWM) of one backtest of SPEC
  above the resident memory before it; prints one JSON line.

Example:
    >>> # python bench/vs_jesse_worker.py --engine ours --cold spec.json  # doctest: +SKIP
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import traceback
import types

_IMPORT_LINE = re.compile(r"^(\s*(?:from|import)\s+)jesse(?=[\s.])", re.M)


class Engine:
    """Jesse's or our ``research.backtest`` and ``Strategy``, behind one interface."""

    def __init__(self, name: str):
        self.name = name
        if name == "jesse":
            # Jesse treats a folder holding strategies/ as a project needing a .env: run from a scratch folder
            os.chdir(tempfile.mkdtemp(prefix="jesse-bench-"))
            from jesse.research import backtest
            from jesse.strategies import Strategy
        else:
            from jesse_dag.research import backtest
            from jesse_dag.strategies import Strategy
        self.backtest, self.Strategy = backtest, Strategy

    def load_strategy(self, path: str) -> type:
        """The one Strategy subclass of a Jesse-API strategy file (imports rewritten for ours)."""
        source = open(path).read()
        if self.name != "jesse":
            source = _IMPORT_LINE.sub(r"\1jesse_dag", source)
        module = types.ModuleType(f"bench_strategy_{os.path.basename(path)[:-3]}")
        module.__file__ = path
        sys.modules[module.__name__] = module
        exec(compile(source, path, "exec"), module.__dict__)
        classes = [v for v in vars(module).values()
                   if isinstance(v, type) and issubclass(v, self.Strategy) and v is not self.Strategy]
        if len(classes) != 1:
            raise ValueError(f"{path}: expected one Strategy subclass, found {len(classes)}")
        return classes[0]

    def inputs(self, spec: dict) -> dict:
        """The keyword arguments of ``research.backtest`` for ``spec`` (candles loaded, strategies built)."""
        import numpy as np

        ex = spec["config"]["exchange"]
        routes, candles, warmup = [], {}, {}
        for r in spec["routes"]:
            c = np.load(r["candles"])
            key = f"{ex}-{r['symbol']}"
            candles[key] = {"exchange": ex, "symbol": r["symbol"], "candles": c[r["split"]:]}
            warmup[key] = {"exchange": ex, "symbol": r["symbol"], "candles": c[:r["split"]]}
            routes.append({"exchange": ex, "strategy": self.load_strategy(r["strategy_file"]), "symbol": r["symbol"],
                           "timeframe": r["timeframe"]})
        for d in spec.get("data_candles", []):
            # a symbol only data routes read: its candles are passed (Jesse looks them up by key), no route trades it
            c = np.load(d["candles"])
            key = f"{ex}-{d['symbol']}"
            candles[key] = {"exchange": ex, "symbol": d["symbol"], "candles": c[d["split"]:]}
            warmup[key] = {"exchange": ex, "symbol": d["symbol"], "candles": c[:d["split"]]}
        data_routes = [{"exchange": ex, **d} for d in spec.get("data_routes", [])]
        split = any(r["split"] for r in spec["routes"])
        return {"config": spec["config"], "routes": routes, "data_routes": data_routes, "candles": candles,
                "warmup_candles": warmup if split else None, "hyperparameters": spec.get("hp"),
                "fast_mode": spec.get("fast_mode", True)}

    def run(self, kwargs: dict) -> dict:
        """One backtest: the seconds of the call alone, the trade count and net profit, or the error."""
        t0 = time.perf_counter()
        try:
            result = self.backtest(**kwargs)
        except Exception as exc:  # a case that stops with an error is reported, not timed
            return {"error": f"{type(exc).__name__}: {str(exc)[:200]}", "seconds": time.perf_counter() - t0}
        seconds = time.perf_counter() - t0
        metrics = result.get("metrics") or {}
        # the wallet's change beside net profit: Jesse's net profit leaves out trades it books without an
        # entry fill (a position flip's new side), its wallet does not
        start, finish = metrics.get("starting_balance"), metrics.get("finishing_balance")
        return {"seconds": seconds, "trades": len(result.get("trades") or []),
                "net_profit": metrics.get("net_profit"),
                "wallet_change": None if start is None or finish is None else finish - start, "error": None}

    def batch(self, kwargs: dict, variations: list[dict]) -> dict:
        """Every hyperparameter variation one after another on one core: Jesse's loop, our ``run_batch``."""
        if self.name != "jesse":
            # imported before the clock, as Jesse's backtest is: the warm figure is the batch, not a first import
            from jesse_dag.optimize import run_batch
        t0 = time.perf_counter()
        if self.name == "jesse":
            nets = [self.backtest(**{**kwargs, "hyperparameters": hp})["metrics"].get("net_profit")
                    for hp in variations]
        else:
            out = run_batch(kwargs["config"], kwargs["routes"], kwargs["data_routes"], kwargs["candles"],
                            kwargs["warmup_candles"], variations, n_jobs=1, fast_mode=kwargs["fast_mode"])
            nets = [(r["metrics"] or {}).get("net_profit") for r in out]
        return {"seconds": time.perf_counter() - t0, "net_profit": nets, "error": None}


def vm_kib(field: str) -> int:
    """``VmRSS`` / ``VmHWM`` of this process in KiB (Linux)."""
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def serve(engine_name: str) -> None:
    # answers go to the real stdout; anything an engine prints goes to stderr instead
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    engine = Engine(engine_name)
    loaded: dict[str, dict] = {}
    answers.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["op"] == "load":
                loaded[req["id"]] = engine.inputs(req["spec"])
                reply = {"error": None}
            elif req["op"] == "run":
                reply = engine.run(loaded[req["id"]])
            elif req["op"] == "batch":
                reply = engine.batch(loaded[req["id"]], req["variations"])
            elif req["op"] == "drop":
                loaded.pop(req["id"], None)
                reply = {"error": None}
            elif req["op"] == "exit":
                break
            else:
                reply = {"error": f"unknown op {req['op']!r}"}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {str(exc)[:200]}", "traceback": traceback.format_exc()[-2000:]}
        answers.write(json.dumps(reply, default=float) + "\n")


def cold(engine_name: str, spec_path: str) -> None:
    t_import = time.perf_counter()
    engine = Engine(engine_name)
    t_import = time.perf_counter() - t_import
    kwargs = engine.inputs(json.load(open(spec_path)))
    out = engine.run(kwargs)
    out["import_s"] = t_import
    print(json.dumps(out, default=float))


def memory(engine_name: str, spec_path: str, warm_spec_path: str | None) -> None:
    import numpy as np

    engine = Engine(engine_name)
    if warm_spec_path:  # loads whatever the engine loads on a first call (numba kernels, lazy imports)
        engine.run(engine.inputs(json.load(open(warm_spec_path))))
    spec = json.load(open(spec_path))
    kwargs = engine.inputs(spec)
    candle_bytes = sum(np.load(r["candles"], mmap_mode="r").nbytes for r in spec["routes"])
    rss_before = vm_kib("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as fh:  # resets VmHWM to the current RSS
            fh.write("5")
        reset = True
    except OSError:
        reset = False
    out = engine.run(kwargs)
    out.update(candle_mib=candle_bytes / 2**20, rss_before_mib=rss_before / 1024, hwm_mib=vm_kib("VmHWM") / 1024,
               hwm_reset=reset)
    print(json.dumps(out, default=float))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["jesse", "ours"], required=True)
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--cold", metavar="SPEC")
    ap.add_argument("--memory", metavar="SPEC")
    ap.add_argument("--warm-spec", metavar="SPEC", help="with --memory: a small run made first, not measured")
    a = ap.parse_args()
    if a.serve:
        serve(a.engine)
    elif a.cold:
        cold(a.engine, a.cold)
    elif a.memory:
        memory(a.engine, a.memory, a.warm_spec)
    else:
        ap.error("one of --serve, --cold SPEC, --memory SPEC")


if __name__ == "__main__":
    main()
