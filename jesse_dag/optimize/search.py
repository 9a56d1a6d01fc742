"""The optimisation loop: Optuna's sampler over a strategy's hyperparameters, Jesse's fitness, a resumable study.

One coordinator asks Optuna for trials, evaluates them (in parallel with joblib when ``cpu_cores`` > 1, the
candles shared as in :mod:`jesse_dag.optimize.batch`) and tells the scores back in ask order, so a run with
a seed is deterministic for a given ``cpu_cores``. Every finished trial is committed to the study's storage
(Optuna's SQLite file under ``storage/`` by default) with its training and testing metrics and DNA; a run
killed at any moment and started again with the same arguments reopens the study, marks the trials that were
in flight as failed (re-asking their parameters first), keeps every finished trial and runs only the missing
ones.

Example:
    >>> from jesse_dag.research import optimize  # doctest: +SKIP
    >>> out = optimize(config, routes, [], train, train_warm, test, test_warm, trials=20, seed=1)  # doctest: +SKIP
    >>> out['best_trials'][0]['params'], out['best_trials'][0]['dna']  # doctest: +SKIP
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import time
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import optuna
from optuna.trial import TrialState

from jesse_dag._progress import progress
from jesse_dag.helpers import hp_to_dna
from jesse_dag.optimize.batch import materialize, parallel, pmap, shared_payload
from jesse_dag.optimize.fitness import SENTINEL, check_optimal_total, fitness, objective_name
from jesse_dag.optimize.space import SearchSpace

DEFAULT_STORAGE = Path("storage") / "optuna" / "optimize.db"
SAMPLERS = ("tpe", "random", "qmc", "cmaes", "gp")


class StudyLocked(RuntimeError):
    """Another process is running the same study right now."""


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into Python ones, so it can be stored as JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _candles_digest(candles: dict | None) -> list:
    out = []
    for key in sorted(candles or {}):
        entry = candles[key]
        arr = np.ascontiguousarray(np.asarray(entry["candles"] if isinstance(entry, dict) else entry,
                                              dtype=np.float64))
        out.append([key, arr.shape[0], hashlib.sha1(arr.tobytes()).hexdigest()])
    return out


def _strategy_class(routes: list[dict]) -> type:
    from jesse_dag.engine.run import load_strategy_class

    strategy = routes[0].get("strategy")
    if isinstance(strategy, str):
        return load_strategy_class(strategy)
    if not isinstance(strategy, type):
        raise ValueError(f"routes[0]['strategy'] must be a Strategy subclass or a strategy name, got {strategy!r}")
    return strategy


def make_sampler(sampler: Any, seed: int | None) -> optuna.samplers.BaseSampler:
    """An Optuna sampler from a name in :data:`SAMPLERS` (seeded with ``seed``) or a sampler instance."""
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    name = "tpe" if sampler is None else str(sampler).lower()
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "qmc":
        return optuna.samplers.QMCSampler(seed=seed)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    raise ValueError(f"sampler must be one of {SAMPLERS} or an optuna sampler, got {sampler!r}")


def resolve_storage(storage: Any) -> tuple[Any, Path | None]:
    """(what ``optuna.create_study`` takes, the SQLite file or None) for ``storage``.

    None: ``storage/optuna/optimize.db`` under the current directory; a path: that SQLite file; a URL
    (``sqlite:///...``, ``postgresql://...``) or an Optuna storage object: used as is; False: in memory (no
    resume).
    """
    if storage is False:
        return optuna.storages.InMemoryStorage(), None
    if isinstance(storage, optuna.storages.BaseStorage):
        return storage, None
    if storage is None or isinstance(storage, (str, os.PathLike)):
        text = str(storage) if storage is not None else str(DEFAULT_STORAGE)
        if "://" in text:
            path = Path(text[len("sqlite:///"):]) if text.startswith("sqlite:///") else None
            return text, path
        path = Path(text).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}", path
    raise ValueError(f"storage must be None, a path, a database URL, an optuna storage or False, got {storage!r}")


STORAGE_INIT_TIMEOUT = 120.0


def open_storage(storage_arg: Any, db_path: Path | None, timeout: float = STORAGE_INIT_TIMEOUT) -> Any:
    """The storage object for ``storage_arg`` (from :func:`resolve_storage`), its schema created once.

    Optuna creates a new SQLite file's tables on first use; two processes (or threads) doing that at once
    make one fail (``alembic_version`` unique constraint, "table studies already exists"). So a SQLite file's
    storage is opened under an exclusive lock on ``<file>.init.lock``, waiting up to ``timeout`` seconds.

    Example:
        >>> import tempfile, os
        >>> arg, path = resolve_storage(os.path.join(tempfile.mkdtemp(), "o.db"))
        >>> type(open_storage(arg, path)).__name__
        'RDBStorage'
    """
    if db_path is None or not isinstance(storage_arg, str):
        return storage_arg
    lock_path = db_path.with_name(f"{db_path.name}.init.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(lock_path, "a") as fh:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StudyLocked(f"{db_path}: another process kept creating this Optuna storage for more "
                                      f"than {timeout:.0f} s (lock {lock_path}); retry when it is done") from None
                time.sleep(0.05)
        try:
            return optuna.storages.RDBStorage(storage_arg)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _study_lock(db_path: Path | None, study_name: str) -> Iterator[None]:
    # Stale RUNNING trials are recovered only while nobody else runs the study; the OS drops the lock
    # when its holder dies, SIGKILL included.
    if db_path is None:
        yield
        return
    safe = hashlib.sha1(study_name.encode()).hexdigest()[:16]
    lock_path = db_path.with_name(f"{db_path.name}.{safe}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StudyLocked(f"study {study_name!r} in {db_path} is being run by another process "
                              f"(lock {lock_path})") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------------------------
# one trial (runs in a worker)
# ------------------------------------------------------------------------------------------------

def evaluate_trial(base: dict, shared: Any, params: dict) -> dict:
    """Backtest ``params`` on the training period (scored) and on the testing period (reported only)."""
    from jesse_dag.research._backtest import backtest_metrics  # the metrics alone: no order dicts built

    train_c, train_w, test_c, test_w = materialize(shared)
    out = {"score": SENTINEL, "reason": "", "error": None, "training_metrics": {}, "testing_metrics": {}}
    routes = [dict(r) for r in base["routes"]]
    try:
        train = backtest_metrics(base["config"], routes, base["data_routes"], train_c, train_w,
                                 hyperparameters=dict(params), fast_mode=base["fast_mode"])
    except Exception as exc:
        out["reason"] = "training backtest failed"
        out["error"] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        return out
    fit = fitness(train, base["objective"], base["optimal_total"])
    out.update(score=fit.score, reason=fit.reason, training_metrics=_plain(train))
    try:
        out["testing_metrics"] = _plain(backtest_metrics(base["config"], routes, base["data_routes"], test_c,
                                                         test_w, hyperparameters=dict(params),
                                                         fast_mode=base["fast_mode"]))
    except Exception as exc:
        out["error"] = f"testing backtest failed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    return out


# ------------------------------------------------------------------------------------------------
# the loop
# ------------------------------------------------------------------------------------------------

def _recover_interrupted(study: optuna.Study) -> int:
    stale = study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING))
    for t in stale:
        if t.state == TrialState.RUNNING:
            study.tell(t.number, state=TrialState.FAIL)
            if t.params:
                # its parameters are tried again first, so the restart evaluates what the killed run was doing
                study.enqueue_trial(t.params, user_attrs={"retry_of": t.number}, skip_if_exists=False)
    return len(stale)


def _candidate(rank: int, t: optuna.trial.FrozenTrial) -> dict:
    return {"rank": rank, "trial": t.number, "params": dict(t.user_attrs.get("params", t.params)),
            "fitness": round(t.value, 4), "score": t.value, "dna": t.user_attrs.get("dna"),
            "training_metrics": t.user_attrs.get("training_metrics", {}),
            "testing_metrics": t.user_attrs.get("testing_metrics", {})}


def best_candidates(study: optuna.Study, count: int) -> list[dict]:
    """The finished trials scoring above the sentinel, best first (ties: earlier trial first), one per
    parameter set (a repeated suggestion is listed once, under its first trial)."""
    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and t.value > SENTINEL and "duplicate_of" not in t.user_attrs]
    done.sort(key=lambda t: (-t.value, t.number))
    return [_candidate(i + 1, t) for i, t in enumerate(done[:count])]


def run_optimization(config: dict, routes: list[dict], data_routes: list[dict] | None,
                     training_candles: dict, training_warmup_candles: dict | None,
                     testing_candles: dict, testing_warmup_candles: dict | None, *,
                     optimal_total: int = 200, fast_mode: bool = True, cpu_cores: int | None = None,
                     trials: int = 200, objective_function: str = "sharpe", best_candidates_count: int = 20,
                     progress_bar: bool = True, seed: int | None = None, storage: Any = None,
                     study_name: str | None = None, sampler: Any = None) -> dict:
    """See :func:`jesse_dag.research.optimize` (its public face)."""
    if not routes:
        raise ValueError("routes is empty: optimize needs at least one route")
    objective = objective_name(objective_function)
    optimal_total = check_optimal_total(optimal_total)
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials must be a positive int (trials per hyperparameter), got {trials!r}")
    if isinstance(best_candidates_count, bool) or not isinstance(best_candidates_count, int) \
            or best_candidates_count < 1:
        raise ValueError(f"best_candidates_count must be a positive int, got {best_candidates_count!r}")
    for name, value in (("training_candles", training_candles), ("testing_candles", testing_candles)):
        if not isinstance(value, dict) or not value:
            raise ValueError(f"{name} must be a non-empty dict of research.backtest candles")
    if cpu_cores is None:
        cores = max(1, int((os.cpu_count() or 1) * 0.8))
    else:
        cores = max(1, min(int(cpu_cores), os.cpu_count() or 1))

    strategy = _strategy_class(routes)
    space = SearchSpace.from_strategy(strategy)
    if len(space) == 0:
        raise ValueError(f"{strategy.__name__}.hyperparameters() is empty: nothing to optimise")
    n_total = trials * len(space)  # Jesse's count: trials per hyperparameter

    fingerprint_source = {
        "space": space.to_jsonable(), "config": _plain(config),
        "routes": [[r.get("exchange"), r.get("symbol"), r.get("timeframe"),
                    getattr(r.get("strategy"), "__name__", r.get("strategy"))] for r in routes],
        "data_routes": [[r.get("exchange"), r.get("symbol"), r.get("timeframe")] for r in data_routes or []],
        "candles": [_candles_digest(c) for c in (training_candles, training_warmup_candles, testing_candles,
                                                 testing_warmup_candles)],
        "objective": objective, "optimal_total": optimal_total, "fast_mode": bool(fast_mode),
    }
    fingerprint = hashlib.sha256(json.dumps(fingerprint_source, sort_keys=True, default=str).encode()).hexdigest()
    study_name = study_name or f"{strategy.__name__}-{fingerprint[:12]}"
    storage_arg, db_path = resolve_storage(storage)

    backend = "sequential" if cores == 1 else "loky"
    base = {"config": config, "routes": list(routes), "data_routes": list(data_routes or []),
            "fast_mode": bool(fast_mode), "objective": objective, "optimal_total": optimal_total}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with _study_lock(db_path, study_name):
        study = optuna.create_study(storage=open_storage(storage_arg, db_path), study_name=study_name,
                                    direction="maximize",
                                    sampler=make_sampler(sampler, seed), load_if_exists=True)
        stored = study.user_attrs.get("fingerprint")
        if stored is None:
            study.set_user_attr("fingerprint", fingerprint)
            study.set_user_attr("strategy", strategy.__name__)
            study.set_user_attr("objective_function", objective)
        elif stored != fingerprint:
            raise ValueError(f"study {study_name!r} in {db_path or storage_arg} was made for other inputs "
                             "(strategy, hyperparameter space, config, candles or objective differ); "
                             "pass another study_name or storage")
        interrupted = _recover_interrupted(study)
        seen: dict[str, tuple[int, float, dict]] = {}  # dna -> (trial number, value, user attrs)
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            seen.setdefault(t.user_attrs.get("dna", ""), (t.number, t.value, dict(t.user_attrs)))
        done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        failed = 0
        with progress(n_total, "optimize", progress_bar, unit="trials", initial=done) as bar, \
                shared_payload((training_candles, training_warmup_candles, testing_candles,
                                testing_warmup_candles), backend) as shared, parallel(cores, backend) as par:
            while done < n_total:
                batch = [study.ask() for _ in range(min(cores, n_total - done))]
                params = [space.suggest(t) for t in batch]
                todo = [(i, p) for i, p in enumerate(params) if hp_to_dna(p) not in seen]
                outcomes = dict(zip([i for i, _ in todo], pmap(par, evaluate_trial,
                                                              [(base, shared, p) for _, p in todo])))
                for i, (trial, p) in enumerate(zip(batch, params)):
                    dna = hp_to_dna(p)
                    if i in outcomes:
                        out = outcomes[i]
                        attrs = {"params": p, "dna": dna, "reason": out["reason"],
                                 "training_metrics": out["training_metrics"],
                                 "testing_metrics": out["testing_metrics"]}
                        if out["error"]:
                            attrs["error"] = out["error"]
                            failed += 1
                            warnings.warn(f"trial {trial.number} {p}: {out['error'].splitlines()[0]}",
                                          stacklevel=2)
                        value = out["score"]
                    else:  # already evaluated: same parameters, same backtest, so reuse it
                        number, value, prev_attrs = seen[dna]
                        attrs = {k: v for k, v in prev_attrs.items() if k not in ("retry_of", "duplicate_of")}
                        attrs["duplicate_of"] = number
                    for k, v in attrs.items():
                        trial.set_user_attr(k, v)
                    study.tell(trial, value)
                    seen.setdefault(dna, (trial.number, value, attrs))
                    done += 1
                    bar.update()
    return {"best_trials": best_candidates(study, best_candidates_count), "total_trials": n_total,
            "completed_trials": done, "objective_function": objective, "study_name": study_name,
            "storage": str(db_path) if db_path else None, "interrupted_trials_recovered": interrupted,
            "failed_trials": failed}
