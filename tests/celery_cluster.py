"""A Celery cluster on loopback for tests and the benchmark: Debian's ``redis-server`` as broker and result
backend, and worker processes running ``assets.celery_app`` (each a separate ``celery worker``, one step at a
time). Everything is started on a free port and stopped (by its own process id) on exit."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
STRATEGY = "MLFilteredEntries"
SYMBOLS = ("BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "AVAX", "DOT", "LINK")


def _market(seed: int, symbol: str, days: int) -> dict:
    return {"exchange": "Synthetic", "symbol": f"{symbol}-USDT", "start": "2024-01-01",
            "source": {"kind": "synthetic", "seed": seed, "days": days, "planted_signal": True,
                       "signal_strength": 0.15}}


def _pipeline(market_name: str, strategy: str) -> dict:
    return {"market": market_name, "strategy": strategy, "timeframe": "15m", "warmup_bars": 48,
            "config": {"fee": 0.0, "type": "futures", "futures_leverage": 1},
            "training": {"start": "2024-01-02", "end": "2024-01-18"},
            "evaluation": {"start": "2024-01-20", "end": "2024-01-29"}, "embargo": "1d", "task": "binary",
            "estimator": {"class": "sklearn.linear_model.LogisticRegression", "params": {"max_iter": 500}},
            "validation": {"n_splits": 3, "embargo": "1h"}, "gate": {"roc_auc": 0.0}, "deploy_threshold": 0.5,
            "min_samples": 20, "schedule": "0 3 * * 1"}


def market_project(folder: Path, count: int = 2, days: int = 30) -> Path:
    """A project of ``count`` synthetic markets of ``days`` days from 2024-01-01 (``synth-btc``, ``synth-eth``, ...)
    and a pipeline on each (``btc``, ``eth``, ...); each pipeline has its own copy of MLFilteredEntries (a
    strategy's samples CSV, bundles and deployed model live in its folder, so two pipelines never share one)."""
    source = PROJECT_DIR / "strategies" / STRATEGY
    code = (source / "__init__.py").read_text()
    markets, pipelines = {}, {}
    for i, symbol in enumerate(SYMBOLS[:count]):
        strategy = STRATEGY if i == 0 else f"{STRATEGY}{symbol.capitalize()}"
        target = folder / "strategies" / strategy
        target.mkdir(parents=True)
        (target / "__init__.py").write_text(code.replace(f"class {STRATEGY}(", f"class {strategy}("))
        name = f"synth-{symbol.lower()}"
        markets[name] = _market(7 + 4 * i, symbol, days)
        pipelines[symbol.lower()] = _pipeline(name, strategy)
    path = folder / "project.yaml"
    path.write_text(yaml.safe_dump({"markets": markets, "pipelines": pipelines}))
    return path


def universe_project(folder: Path, count: int = 2, days: int = 30) -> Path:
    """A project of ``count`` synthetic markets of ``days`` days (as :func:`market_project`) and ONE pipeline
    ``u`` over all of them (``markets: [synth-btc, synth-eth, ...]``): windows, samples and backtests per market
    partition, one pooled model and the pooled report."""
    target = folder / "strategies" / STRATEGY
    target.mkdir(parents=True)
    (target / "__init__.py").write_text((PROJECT_DIR / "strategies" / STRATEGY / "__init__.py").read_text())
    markets = {f"synth-{symbol.lower()}": _market(7 + 4 * i, symbol, days) for i, symbol in enumerate(SYMBOLS[:count])}
    pipeline = _pipeline("", STRATEGY)
    del pipeline["market"], pipeline["schedule"]
    path = folder / "project.yaml"
    path.write_text(yaml.safe_dump({"markets": markets, "pipelines": {"u": {**pipeline, "markets": list(markets)}}}))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, wait: float = 20.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@contextlib.contextmanager
def redis_server(work_dir: Path) -> Iterator[str]:
    """A throw-away redis-server on 127.0.0.1 (no persistence); yields its URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise FileNotFoundError("redis-server is not installed (Debian: apt-get install -y redis-server)")
    import redis

    port = free_port()
    log = work_dir / "redis.log"
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(work_dir), "--logfile", str(log)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}:\n{_tail(log)}") from None
                time.sleep(0.1)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)


@dataclass
class Workers:
    """Running workers: their node names and the files their output goes to."""

    names: list[str]
    logs: list[Path]
    procs: list[subprocess.Popen] = field(repr=False)

    def logs_tail(self) -> str:
        return "\n".join(f"--- {log.name}\n{_tail(log)}" for log in self.logs)


@contextlib.contextmanager
def celery_workers(broker: str, work_dir: Path, count: int = 2, env: Mapping[str, str] | None = None,
                   timeout: float = 120.0) -> Iterator[Workers]:
    """``count`` worker processes on ``broker`` (queue ``dagster``, one task at a time each), started from the
    project root with ``env`` added to this process's environment; yields once every one answers a ping."""
    from assets.executors import BROKER_ENV, celery_worker_app

    full_env = {**os.environ, **dict(env or {}), BROKER_ENV: broker,
                "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_DIR), os.environ.get("PYTHONPATH")) if p)}
    names = [f"jesse-dag-worker{i + 1}@{socket.gethostname()}" for i in range(count)]
    logs = [work_dir / f"worker{i + 1}.log" for i in range(count)]
    procs = []
    try:
        for name, log in zip(names, logs):
            with open(log, "wb") as out:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "assets.celery_app", "worker", "-Q", "dagster",
                     "--pool", "solo", "--concurrency", "1", "--prefetch-multiplier", "1", "-n", name,
                     "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
                    cwd=PROJECT_DIR, env=full_env, stdout=out, stderr=subprocess.STDOUT))
        workers = Workers(names, logs, procs)
        app = celery_worker_app({BROKER_ENV: broker})
        deadline = time.monotonic() + timeout
        while True:
            answered = {name for reply in app.control.ping(timeout=1.0) for name in reply}
            if answered >= set(names):
                break
            dead = [n for n, p in zip(names, procs) if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"celery workers {dead or sorted(set(names) - answered)} did not start:\n"
                                   f"{workers.logs_tail()}")
        yield workers
    finally:
        for proc in procs:
            _stop(proc)
