"""Big files on real Celery workers with Redis: preview and apply in the background, to
completion; and a worker killed in the middle of an apply leaves nothing half-applied."""

import signal
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.workers import stale_after
from imports.models import ImportBatch, ImportStatus
from imports.services import (
    import_apply,
    import_create,
    import_progress,
    imports_fail_stale,
)
from inventory.models import Product, ProductVariant
from tests.imports.conftest import Upload, csv_bytes, native_rows
from tests.queue import forget_unacknowledged_tasks, worker_process

REAL_TRANSACTIONS = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def catalog_file(products: int, sizes=("S", "M", "L", "XL")) -> bytes:
    rows = []
    for n in range(products):
        for i, size in enumerate(sizes):
            first = {"title": f"Product {n}", "option1_name": "Size"} if i == 0 else {}
            rows.append(
                {"handle": f"p-{n}", "sku": f"P{n}-{size}", "option1": size, "price": "9.90",
                 **first}
            )  # fmt: skip
    return csv_bytes(native_rows(*rows))


def wait_for(batch: ImportBatch, *statuses: str, seconds: float = 120) -> ImportBatch:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in statuses:
            return batch
        time.sleep(0.1)
    raise AssertionError(f"{batch} is still {batch.status} after {seconds} s")


@pytest.mark.redis
@REAL_TRANSACTIONS
def test_a_big_file_is_previewed_and_applied_by_a_worker(celery_worker, merchant, settings):
    settings.IMPORT_BACKGROUND_ROWS = 10
    upload = Upload(catalog_file(25), "big.csv")
    batch = import_create(kind="products", upload=upload, actor=Actor.for_user(merchant))
    assert batch.status == ImportStatus.PREVIEWING  # queued: the request does not wait
    batch = wait_for(batch, ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED)
    assert batch.status == ImportStatus.READY
    assert batch.preview["counts"] == {"new": 100, "changed": 0, "unchanged": 0, "invalid": 0}
    assert Product.objects.count() == 0

    batch = import_apply(batch=batch, actor=Actor.for_user(merchant))
    assert batch.status == ImportStatus.APPLYING
    batch = wait_for(batch, ImportStatus.APPLIED, ImportStatus.FAILED, ImportStatus.INVALID)
    assert (batch.status, batch.message) == (ImportStatus.APPLIED, "")
    assert (Product.objects.count(), ProductVariant.objects.count()) == (25, 100)
    assert import_progress(batch) == 100
    history = ProductVariant.history.filter(history_user=merchant, history_type="+")
    assert history.count() == 100


def progress_of(batch: ImportBatch) -> int:
    beat = cache.get(f"import:{batch.pk}:progress")
    return beat["percent"] if beat else 0


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs PostgreSQL")
@REAL_TRANSACTIONS
def test_a_worker_killed_mid_apply_leaves_nothing_and_the_import_fails(
    redis_url, merchant, settings, media_root
):
    settings.IMPORT_BACKGROUND_ROWS = 10
    content = catalog_file(6000)  # 24,000 rows: six chunks of 1,000 products
    batch = import_create(
        kind="products", upload=Upload(content, "big.csv"), actor=Actor.for_user(merchant),
        wait=True,
    )  # fmt: skip
    assert batch.status == ImportStatus.READY
    worker = worker_process(media_root)
    try:
        import_apply(batch=batch, actor=Actor.for_user(merchant))
        deadline = time.monotonic() + 120
        while progress_of(batch) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert 0 < progress_of(batch) < 99, "the apply never started, or ended first"
        worker.send_signal(signal.SIGKILL)  # in the middle: a chunk is written, not committed
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLYING
    assert (Product.objects.count(), ProductVariant.objects.count()) == (0, 0)
    assert ProductVariant.history.count() == 0

    later = timezone.now() + stale_after() + timedelta(minutes=1)
    assert imports_fail_stale(now=later) == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.message == (
        "The worker running this import stopped; nothing was imported. Start it again."
    )
    forget_unacknowledged_tasks()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs PostgreSQL")
@REAL_TRANSACTIONS
def test_a_worker_killed_as_the_apply_commits_leaves_status_and_data_agreeing(
    redis_url, merchant, settings, media_root
):
    """Killed once every chunk is written — while it commits, or just after: the batch is
    either applied with all its rows, or not applied with none (never "failed" over data)."""
    settings.IMPORT_BACKGROUND_ROWS = 10
    batch = import_create(
        kind="products", upload=Upload(catalog_file(1500), "big.csv"),
        actor=Actor.for_user(merchant), wait=True,
    )  # fmt: skip
    worker = worker_process(media_root)
    try:
        import_apply(batch=batch, actor=Actor.for_user(merchant))
        deadline = time.monotonic() + 120
        while progress_of(batch) < 99 and time.monotonic() < deadline:
            batch.refresh_from_db()
            if batch.status == ImportStatus.APPLIED:
                break
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    # A COMMIT the worker sent before it died still completes in its server process: read
    # once that process has finished.
    _wait_for_other_sessions_to_end()
    batch.refresh_from_db()
    products = Product.objects.count()
    if batch.status == ImportStatus.APPLIED:
        assert (products, ProductVariant.objects.count()) == (1500, 6000)
        assert batch.counts["new"] == 6000
    else:
        assert (batch.status, products) == (ImportStatus.APPLYING, 0)
        later = timezone.now() + stale_after() + timedelta(minutes=1)
        assert imports_fail_stale(now=later) == 1
        assert Product.objects.count() == 0
    forget_unacknowledged_tasks()


def _wait_for_other_sessions_to_end(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                "AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.02)
    raise AssertionError("the killed worker's database session is still working")


def test_a_queued_import_no_worker_picked_up_is_failed_in_time(merchant, settings):
    settings.IMPORT_BACKGROUND_ROWS = 1
    with TestCase.captureOnCommitCallbacks(execute=False):  # the task is never sent
        batch = import_create(
            kind="products", upload=Upload(catalog_file(2), "c.csv"),
            actor=Actor.for_user(merchant),
        )  # fmt: skip
    assert batch.status == ImportStatus.PREVIEWING and batch.started_at is None
    assert imports_fail_stale(now=timezone.now() + timedelta(minutes=1)) == 0
    assert imports_fail_stale(now=timezone.now() + stale_after() + timedelta(minutes=1)) == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.message.startswith("The worker running this preview stopped")
