"""Catalog tasks: thin, taking ids, safe to run twice."""

from celery import shared_task

from inventory import services


@shared_task
def product_image_renditions_task(image_id: int) -> str:
    return services.product_image_renditions_make(image_id=image_id)
