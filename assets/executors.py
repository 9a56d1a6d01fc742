"""Which executor runs the asset jobs, chosen by environment so the asset code never changes.

``JESSE_DAG_EXECUTOR``:

- unset or ``multiprocess``: Dagster's default (each step in a subprocess of this machine).
- ``in_process``: every step in the run's own process (debugging).
- ``celery``: ``dagster-celery``; each step is a task on a broker (``JESSE_DAG_CELERY_BROKER``, e.g.
  ``redis://host:6379/0``) run by any worker started with ``celery -A assets.celery_app worker``; results come
  back through ``JESSE_DAG_CELERY_BACKEND`` (default: the broker URL); a step may run up to
  ``JESSE_DAG_CELERY_VISIBILITY_TIMEOUT`` seconds (default a day) before Redis hands it to another worker. The run's process still claims the
  ``duckdb`` pool's slots from the instance and retries steps by their retry policies, so both hold on workers.

Why Celery and not dagster-dask: dagster-dask 0.29.27's executor reports ``RetryMode.DISABLED`` and submits
every step to Dask at once without entering the instance's concurrency context, so the ``duckdb`` pool
(limit 1) and the assets' retry policies would be silently ignored there.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

EXECUTOR_ENV = "JESSE_DAG_EXECUTOR"
BROKER_ENV = "JESSE_DAG_CELERY_BROKER"
BACKEND_ENV = "JESSE_DAG_CELERY_BACKEND"
VISIBILITY_ENV = "JESSE_DAG_CELERY_VISIBILITY_TIMEOUT"
# Redis re-delivers a task not acknowledged within this many seconds (Celery's default: one hour), so a
# training step longer than that would run twice at once: a day by default.
DEFAULT_VISIBILITY_TIMEOUT = 86_400
EXECUTORS = ("multiprocess", "in_process", "celery")


def executor_name(environ: Mapping[str, str] | None = None) -> str:
    """The executor ``JESSE_DAG_EXECUTOR`` names (``multiprocess`` when unset).

    >>> executor_name({"JESSE_DAG_EXECUTOR": "celery"})
    'celery'
    """
    env = os.environ if environ is None else environ
    name = (env.get(EXECUTOR_ENV) or "multiprocess").strip().lower().replace("-", "_")
    if name not in EXECUTORS:
        raise ValueError(f"{EXECUTOR_ENV}={env.get(EXECUTOR_ENV)!r}: expected one of {', '.join(EXECUTORS)}")
    return name


def celery_settings(environ: Mapping[str, str] | None = None) -> dict:
    """The Celery executor's configuration (broker, result backend, broker transport options); its workers
    build their app from the same variables, so both agree.

    >>> celery_settings({"JESSE_DAG_CELERY_BROKER": "redis://127.0.0.1:6379/0"})["backend"]
    'redis://127.0.0.1:6379/0'
    """
    env = os.environ if environ is None else environ
    _import_dagster_celery()
    broker = (env.get(BROKER_ENV) or "").strip()
    if not broker:
        raise ValueError(f"{EXECUTOR_ENV}=celery needs the broker's URL in {BROKER_ENV} "
                         "(e.g. redis://127.0.0.1:6379/0), the same one the workers were started with")
    raw = (env.get(VISIBILITY_ENV) or "").strip() or str(DEFAULT_VISIBILITY_TIMEOUT)
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"{VISIBILITY_ENV}={raw!r}: expected a whole number of seconds above 0")
    from dagster_celery.defaults import broker_transport_options

    return {"broker": broker, "backend": (env.get(BACKEND_ENV) or "").strip() or broker,
            "config_source": {"broker_transport_options": {**broker_transport_options,
                                                           "visibility_timeout": int(raw)}}}


def _import_dagster_celery():
    try:
        import dagster_celery
    except ImportError as exc:
        raise ImportError(f"{EXECUTOR_ENV}=celery needs dagster-celery, celery and redis: "
                          "pip install -c constraints.txt -e '.[distributed]'") from exc
    return dagster_celery


def executor_for_env(environ: Mapping[str, str] | None = None) -> dg.ExecutorDefinition | None:
    """The executor of every job in the definitions; ``None`` keeps Dagster's default (multiprocess).

    >>> executor_for_env({}) is None
    True
    """
    name = executor_name(environ)
    if name == "multiprocess":
        return None
    if name == "in_process":
        return dg.in_process_executor
    dagster_celery = _import_dagster_celery()
    return dagster_celery.celery_executor.configured(celery_settings(environ))


def celery_worker_app(environ: Mapping[str, str] | None = None):
    """The Celery app a worker runs: the executor's own app arguments, so both agree on broker and queue."""
    _import_dagster_celery()
    from dagster._core.execution.retries import RetryMode
    from dagster_celery.executor import CeleryExecutor
    from dagster_celery.make_app import make_app

    executor = CeleryExecutor(retries=RetryMode.ENABLED, **celery_settings(environ))
    return make_app(executor.app_args())
