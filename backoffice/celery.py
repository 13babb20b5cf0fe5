"""The Celery application. Workers: `make worker`; the scheduler: `make beat`.

Two queues keep a long report or import from delaying the work a person is waiting for:
`interactive` (the default: emails, single-object jobs) and `bulk` (reports, imports, exports,
rebuilds). Bulk tasks are routed by name in `BULK_TASKS`.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")

QUEUE_INTERACTIVE = "interactive"
QUEUE_BULK = "bulk"

app = Celery("backoffice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = QUEUE_INTERACTIVE
app.conf.task_queues = (Queue(QUEUE_INTERACTIVE), Queue(QUEUE_BULK))
BULK_TASKS = (
    "reporting.tasks.report_run_task",
    "reporting.tasks.daily_sales_rebuild_task",
    "imports.tasks.import_preview_task",
    "imports.tasks.import_apply_task",
    "imports.tasks.image_copy_task",
    "inventory.tasks.product_image_renditions_task",
)
app.conf.task_routes = {name: {"queue": QUEUE_BULK} for name in BULK_TASKS}
app.autodiscover_tasks()
