"""Webhook tasks: thin, taking ids, safe to run twice (a message is claimed before it is
sent, so two runs never send it twice at once).

Beat runs the dispatcher every 10 seconds, the sweep of due retries every minute, and the
pruning of old messages nightly. A
delivery that fails schedules its own retry with the backoff's countdown; the sweep catches
any whose task was lost (a worker restarted). Without workers (the embedded mode),
`manage.py send_webhooks` does it all."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from integrations.webhooks.delivery import webhook_deliver, webhooks_due, webhooks_prune
from integrations.webhooks.dispatch import webhooks_dispatch

MOST_BATCHES = 20  # a dispatcher run stops there: the next one, 10 seconds on, goes on
# A retry further off is left to the sweep: a Redis broker hands a task with a distant ETA
# out again after its visibility timeout.
SELF_SCHEDULED = timedelta(minutes=10)


@shared_task
def webhooks_dispatch_task() -> int:
    made = 0
    for _ in range(MOST_BATCHES):
        ids, more = webhooks_dispatch()
        for message_id in ids:
            webhook_deliver_task.delay(message_id)
        made += len(ids)
        if not more:
            break
    return made


@shared_task(acks_late=True)
def webhook_deliver_task(message_id: int) -> str:
    attempt = webhook_deliver(message_id)
    if attempt is None:
        return "skipped"
    message = attempt.message
    message.refresh_from_db(fields=["state", "next_attempt_at"])
    retry_at = message.next_attempt_at
    # In-process tasks cannot wait: there, the sweep sends it when it is due.
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    if retry_at is not None and not eager and retry_at - timezone.now() < SELF_SCHEDULED:
        webhook_deliver_task.apply_async((message_id,), eta=retry_at)
    return message.state


@shared_task
def webhooks_retry_due_task() -> int:
    due = webhooks_due()
    for message_id in due:
        webhook_deliver_task.delay(message_id)
    return len(due)


@shared_task
def webhooks_prune_task() -> int:
    return webhooks_prune(settings.WEBHOOK_LOG_DAYS)
