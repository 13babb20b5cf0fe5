"""Import tasks: thin, taking ids, safe to run twice (a batch is claimed by its status)."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from backoffice.actors import Actor
from imports import services

# Below the broker's one-hour redelivery, so an import never runs twice at once by accident.
IMPORT_SOFT_LIMIT = 25 * 60
IMPORT_HARD_LIMIT = 27 * 60


@shared_task(soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_HARD_LIMIT)
def import_preview_task(batch_id: int) -> str:
    batch = services.import_preview(batch_id)
    return batch.status if batch else "skipped"


@shared_task(soft_time_limit=IMPORT_SOFT_LIMIT, time_limit=IMPORT_HARD_LIMIT)
def import_apply_task(batch_id: int, user_id: int) -> str:
    user = get_user_model().objects.get(pk=user_id)
    batch = services.import_apply_run(batch_id, Actor.for_user(user))
    return batch.status if batch else "skipped"


@shared_task
def imports_fail_stale_task() -> int:
    return services.imports_fail_stale()


@shared_task(bind=True)
def image_copy_task(self, copy_id: int) -> str:
    """Copy one imported image into the storage; a source that is down or slow is tried
    again with a doubling delay, and marked failed after the last attempt."""
    from imports import images

    retries = settings.IMPORT_IMAGE_RETRIES
    if self.request.is_eager:  # in-process (the embedded mode): no later to wait for
        for attempt in range(retries + 1):
            try:
                return images.image_copy_run(copy_id, final_attempt=attempt == retries)
            except images.ImageUnavailable:
                continue
    final = self.request.retries >= retries
    try:
        return images.image_copy_run(copy_id, final_attempt=final)
    except images.ImageUnavailable as error:
        delay = settings.IMPORT_IMAGE_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(exc=error, countdown=delay, max_retries=None) from error
