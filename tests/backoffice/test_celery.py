import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult, EagerResult
from celery.signals import task_postrun
from django.db import connections

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


def close_worker_connections(**kwargs):
    # What Celery's Django fixup does in a worker process; the embedded test worker does not
    # install it, and a connection left open would keep the test database from being dropped.
    connections.close_all()


@pytest.fixture
def celery_worker(redis_url):
    """A real worker thread consuming both queues from Redis."""
    assert celery_app.conf.task_always_eager is False
    task_postrun.connect(close_worker_connections)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        task_postrun.disconnect(close_worker_connections)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("queue", [QUEUE_INTERACTIVE, QUEUE_BULK])
def test_a_real_worker_runs_a_task_through_redis(celery_worker, queue):
    result = worker_ping_task.apply_async(queue=queue)
    assert isinstance(result, AsyncResult) and not isinstance(result, EagerResult)
    value = result.get(timeout=30)
    assert value["pong"] is True
    assert value["database"] is True
    assert result.state == "SUCCESS"
