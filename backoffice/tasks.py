from celery import shared_task
from django.db import connection


@shared_task
def worker_ping_task() -> dict:
    """Proves a worker is alive and reaches the database: `worker_ping_task.delay().get()`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"pong": True, "database": one == 1, "vendor": connection.vendor}
