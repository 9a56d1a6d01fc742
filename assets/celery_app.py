"""The Celery app of a worker: ``celery -A assets.celery_app worker -Q dagster``, run from the project root
with ``JESSE_DAG_CELERY_BROKER`` (and the variables the definitions read) set as for the run itself.

Each task executes one step of a run: it loads the job from the code named in the run (this project's
modules, so a worker needs a checkout of the same commit) and the instance from the run's instance reference.
"""
from dagster_celery.tasks import create_task

from assets.executors import celery_worker_app

app = celery_worker_app()
execute_plan = create_task(app)
