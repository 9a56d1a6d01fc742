"""The run-failure sensor posts a failed run to the webhook (a real HTTP server on 127.0.0.1)."""
from __future__ import annotations

import dagster as dg

from assets.automation import post_failed_runs
from tests.test_reports_notify import _Hook, hook  # noqa: F401  (the loopback webhook fixture)


@dg.op
def _explodes():
    raise RuntimeError("the store was locked for too long")


@dg.job
def failing_refresh():
    _explodes()


def _failure_context(instance: dg.DagsterInstance):
    result = failing_refresh.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    return dg.build_run_status_sensor_context(
        sensor_name="post_failed_runs_to_webhook", dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event()).for_run_failure()


def test_failed_run_is_posted_to_the_webhook(hook):  # noqa: F811
    instance = dg.DagsterInstance.ephemeral()
    post_failed_runs(_failure_context(instance))
    (record,) = _Hook.received
    content = record["payload"]["content"]
    assert "Run failed: failing_refresh" in content
    assert "_explodes" in content or "failed" in content


def test_no_webhook_configured_skips(monkeypatch):
    monkeypatch.delenv("JESSE_DAG_WEBHOOK_URL", raising=False)
    instance = dg.DagsterInstance.ephemeral()
    _Hook.received = []
    outcome = post_failed_runs(_failure_context(instance))
    assert isinstance(outcome, dg.SkipReason) and "JESSE_DAG_WEBHOOK_URL" in outcome.skip_message
    assert _Hook.received == []
