import pytest
from celery.result import AsyncResult, EagerResult

from backoffice.celery import QUEUE_BULK, QUEUE_INTERACTIVE
from backoffice.celery import app as celery_app
from backoffice.tasks import worker_ping_task


@pytest.mark.django_db
def test_embedded_mode_runs_tasks_in_process():
    if not celery_app.conf.task_always_eager:
        pytest.skip("REDIS_URL is set: tasks go to real workers")
    result = worker_ping_task.delay()
    assert isinstance(result, EagerResult)
    assert result.get() == {"pong": True, "database": True, "vendor": "sqlite"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("queue", [QUEUE_INTERACTIVE, QUEUE_BULK])
def test_a_real_worker_runs_a_task_through_redis(celery_worker, queue):
    result = worker_ping_task.apply_async(queue=queue)
    assert isinstance(result, AsyncResult) and not isinstance(result, EagerResult)
    value = result.get(timeout=30)
    assert value["pong"] is True
    assert value["database"] is True
    assert result.state == "SUCCESS"


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("reporting.tasks.report_run_task", QUEUE_BULK),
        ("imports.tasks.import_apply_task", QUEUE_BULK),
        ("imports.tasks.import_preview_task", QUEUE_BULK),
        ("reporting.tasks.report_run_notify_task", QUEUE_INTERACTIVE),
        ("backoffice.tasks.worker_ping_task", QUEUE_INTERACTIVE),
    ],
)
def test_bulk_work_is_routed_to_its_own_queue(task, queue):
    route = celery_app.amqp.router.route({}, task)
    assert route["queue"].name == queue
