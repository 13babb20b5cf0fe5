"""Handing work to the workers so that a row never waits for a task that was not sent.

A request that needs a worker checks the queue before it writes anything, and refuses with
a message when the queue (Redis) cannot be reached. The task itself leaves once the request's
transaction commits; if the queue went away in between, the caller's `on_failure` records it
on the row at once, instead of a 500 after the commit and a row that waits forever.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as QueueError

from backoffice.celery import app as celery_app
from backoffice.exceptions import DomainError

logger = logging.getLogger(__name__)

QUEUE_DOWN = (
    "The task queue cannot be reached right now, so this cannot start; nothing was saved. "
    "Try again in a few minutes."
)
QUEUE_LOST = "The task queue could not be reached when this was sent; start it again."
# Errors of a queue that cannot be reached: kombu wraps Redis's own, sockets may not be.
QUEUE_ERRORS = (QueueError, OSError)


def stale_after() -> timedelta:
    """How long a worker may stay silent before its run or import counts as abandoned."""
    return timedelta(minutes=settings.WORKER_STALE_MINUTES)


def queue_check() -> None:
    """Refuse, before anything is written, work that needs a queue that cannot be reached."""
    if celery_app.conf.task_always_eager:
        return  # the embedded mode runs tasks in the request
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)
    except QUEUE_ERRORS as error:
        logger.warning("The task queue cannot be reached: %s", error)
        raise DomainError(QUEUE_DOWN) from error


def send_on_commit(task, *args, on_failure: Callable[[str], None]) -> None:
    """Send `task(*args)` once the transaction commits; `on_failure(message)` if it cannot."""

    def send() -> None:
        if celery_app.conf.task_always_eager:
            task.delay(*args)  # runs here: its errors are its own, not the queue's
            return
        try:
            task.delay(*args)
        except QUEUE_ERRORS:
            logger.exception("Could not send %s%s", task.name, args)
            on_failure(QUEUE_LOST)

    transaction.on_commit(send)
