"""Report runs: requested, run by a worker (in the process, as in the embedded mode, and a
real Celery worker on Redis), stored with their checksum; failing cleanly; reaped when their
worker dies; never run twice."""

import hashlib
import os
import signal
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from inventory.models import Category
from reporting import services
from reporting.models import ReportRun, RunStatus
from reporting.reports import CATALOGUE, Parameters
from reporting.services import report_request, report_run_execute, report_runs_fail_stale
from reporting.tasks import report_run_task
from sales.demo.clock import clock_at
from tests.queue import children_of, forget_unacknowledged_tasks, worker_process
from tests.reporting.conftest import (
    build_catalog,
    local,
    pay,
    place_order,
    request_run,
    stored_files,
)


def file_bytes(run: ReportRun) -> bytes:
    with run.file.open("rb") as stream:
        return stream.read()


def assert_nothing_stored(run: ReportRun, media_root) -> None:
    run.refresh_from_db()
    assert (run.file.name, run.checksum, run.size) == ("", "", None)
    assert stored_files(media_root) == []


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_a_requested_report_is_run_and_stored_with_its_checksum(
    trading, accountant, eager_tasks, media_root, format
):
    period = {"start": trading.first_day, "end": trading.last_day}
    run = request_run("payments_refunds", accountant, format, **period)
    content = file_bytes(run)
    assert run.status == RunStatus.DONE
    assert (run.progress, run.error, run.requested_by) == (100, "", accountant)
    assert (
        run.row_count == len(list(CATALOGUE["payments_refunds"].rows(Parameters(**period)))) == 13
    )
    assert run.size == len(content) > 0
    assert run.checksum == hashlib.sha256(content).hexdigest()
    assert run.started_at <= run.finished_at and run.duration is not None
    name = f"payments_refunds-{period['start']}-{period['end']}-{run.pk}.{format}"
    folder, token, filename = run.file.name.rsplit("/", 2)
    assert (folder, len(token), filename) == (f"reports/{run.created_at:%Y/%m}", 22, name)
    assert stored_files(media_root) == [run.file.name]


def test_a_request_is_checked_before_anything_is_written(accountant, db):
    parameters = Parameters(start=timezone.localdate(), end=timezone.localdate())
    actor = Actor.for_user(accountant)
    with pytest.raises(DomainError, match="There is no report 'profits'"):
        report_request(kind="profits", parameters=parameters, format="xlsx", actor=actor)
    with pytest.raises(DomainError, match="'pdf' is not a report format"):
        report_request(kind="tax_summary", parameters=parameters, format="pdf", actor=actor)
    with pytest.raises(DomainError, match=r"ends \(.*\) before it starts"):
        services.parameters_for(
            preset="custom", start=parameters.end, end=parameters.end - timedelta(days=1)
        )
    with pytest.raises(DomainError, match="'fortnight' is not a grouping"):
        services.parameters_for(preset="last_month", grouping="fortnight")
    assert ReportRun.objects.count() == 0


def test_a_run_whose_file_cannot_be_stored_fails_with_its_error_and_leaves_nothing(
    trading, accountant, eager_tasks, media_root
):
    media_root.parent.mkdir(parents=True, exist_ok=True)
    media_root.write_text("a file where the storage folder should be")
    run = request_run("sales_summary", accountant, start=trading.first_day, end=trading.last_day)
    assert run.status == RunStatus.FAILED
    assert run.error.startswith(("FileExistsError", "NotADirectoryError"))
    assert run.finished_at is not None and run.progress < 100
    media_root.unlink()
    media_root.mkdir()
    assert_nothing_stored(run, media_root)


def test_a_run_whose_parameters_are_broken_fails_instead_of_running_forever(
    accountant, media_root, db
):
    # As an older version might have stored it: a period ending before it starts.
    today = timezone.localdate().isoformat()
    run = ReportRun.objects.create(
        kind="sales_summary",
        format="xlsx",
        parameters={"start": today, "end": "2000-01-01", "grouping": "day"},
        requested_by=accountant,
    )
    assert report_run_execute(run.pk).status == RunStatus.FAILED
    run.refresh_from_db()
    assert run.error == f"ValueError: The period ends (2000-01-01) before it starts ({today})."
    assert_nothing_stored(run, media_root)


def test_a_run_with_an_unknown_grouping_fails_and_stores_nothing(accountant, media_root, db):
    run = ReportRun.objects.create(
        kind="sales_summary",
        format="csv",
        parameters={"start": "2026-01-01", "end": "2026-01-31", "grouping": "fortnight"},
        requested_by=accountant,
    )
    report_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "ValueError: 'fortnight' is not a grouping; use day, week or month."
    assert_nothing_stored(run, media_root)


def claimed_by_a_worker_that_died(run: ReportRun, minutes_ago: float, task_id: str = "") -> None:
    """A worker took the run `minutes_ago` and was killed before it wrote anything."""
    with clock_at(timezone.now() - timedelta(minutes=minutes_ago)):
        assert services._claim(run.pk, task_id) is not None


def queued(kind: str, user) -> ReportRun:
    """A requested run that no worker has picked up (its commit never happens here)."""
    today = timezone.localdate()
    return report_request(
        kind=kind,
        parameters=Parameters(start=today, end=today),
        format="csv",
        actor=Actor.for_user(user),
    )


def test_a_run_whose_worker_died_is_failed_and_not_picked_up_again(accountant, media_root, db):
    dead, alive, waiting = (queued("tax_summary", accountant) for _ in range(3))
    claimed_by_a_worker_that_died(dead, minutes_ago=11)
    claimed_by_a_worker_that_died(alive, minutes_ago=2)  # slow, but still beating
    assert report_runs_fail_stale() == 1
    statuses = {run.pk: run.status for run in ReportRun.objects.all()}
    assert statuses == {dead.pk: "failed", alive.pk: "running", waiting.pk: "queued"}
    dead.refresh_from_db()
    assert dead.error == "The worker running this report stopped; request it again."
    # The broker hands the task to another worker later: the failed run stays failed.
    assert report_run_execute(dead.pk) is None
    assert ReportRun.objects.get(pk=dead.pk).status == RunStatus.FAILED
    assert report_runs_fail_stale() == 0
    assert stored_files(media_root) == []


def test_a_task_redelivered_for_a_stale_run_takes_it_over(accountant, media_root, db):
    run = queued("tax_summary", accountant)
    claimed_by_a_worker_that_died(run, minutes_ago=30)
    assert report_run_execute(run.pk).status == RunStatus.DONE
    # Not while another worker is still beating on it.
    other = queued("tax_summary", accountant)
    claimed_by_a_worker_that_died(other, minutes_ago=1)
    assert report_run_execute(other.pk) is None
    assert ReportRun.objects.get(pk=other.pk).status == RunStatus.RUNNING


def test_a_task_delivered_again_takes_over_its_own_run_at_once(accountant, media_root, db):
    """The broker redelivers the task of a worker that died (the task was never acknowledged)
    seconds later, while the dead worker's heartbeat still looks fresh."""
    run = queued("tax_summary", accountant)
    claimed_by_a_worker_that_died(run, minutes_ago=0.1, task_id="task-1")
    assert report_run_execute(run.pk, task_id="task-2") is None  # another task: it is running
    done = report_run_execute(run.pk, task_id="task-1")
    assert (done.status, done.task_id, done.error) == (RunStatus.DONE, "task-1", "")
    assert len(stored_files(media_root)) == 1


def test_the_stale_interval_is_a_setting(accountant, settings, db):
    settings.WORKER_STALE_MINUTES = 2
    run = queued("tax_summary", accountant)
    claimed_by_a_worker_that_died(run, minutes_ago=3)
    assert report_run_execute(run.pk, task_id="another") is not None  # taken over, not skipped
    settings.WORKER_STALE_MINUTES = 10
    other = queued("tax_summary", accountant)
    claimed_by_a_worker_that_died(other, minutes_ago=3)
    assert report_runs_fail_stale() == 0
    settings.WORKER_STALE_MINUTES = 2
    assert report_runs_fail_stale() == 1
    assert ReportRun.objects.get(pk=other.pk).status == RunStatus.FAILED


def test_a_queued_run_no_worker_took_is_sent_again(accountant, eager_tasks, media_root, db):
    run = queued("tax_summary", accountant)  # its task never left
    assert report_runs_fail_stale(now=timezone.now() + timedelta(minutes=1)) == 0
    assert ReportRun.objects.get(pk=run.pk).status == RunStatus.QUEUED
    assert report_runs_fail_stale(now=timezone.now() + timedelta(minutes=11)) == 0
    run.refresh_from_db()
    assert (run.status, run.row_count) == (RunStatus.DONE, 0)
    assert len(stored_files(media_root)) == 1


def test_a_run_queued_for_an_hour_is_failed(accountant, media_root, db):
    run = queued("tax_summary", accountant)
    assert report_runs_fail_stale(now=timezone.now() + timedelta(minutes=61)) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "No worker took this report within 60 minutes; request it again."
    assert stored_files(media_root) == []


def test_running_a_done_run_again_changes_nothing(trading, accountant, eager_tasks, media_root):
    run = request_run("sales_by_product", accountant, start=trading.first_day, end=trading.last_day)
    before = ReportRun.objects.filter(pk=run.pk).values().get()
    files = stored_files(media_root)
    assert report_run_execute(run.pk) is None
    assert report_run_task.delay(run.pk).get() == "skipped"
    assert ReportRun.objects.filter(pk=run.pk).values().get() == before
    assert stored_files(media_root) == files


# --- a real worker ----------------------------------------------------------------------------


def wait_for(run: ReportRun, seconds: float = 60) -> ReportRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (RunStatus.DONE, RunStatus.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run.pk} is still {run.status} after {seconds} s")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_celery_worker_on_redis_runs_a_report_end_to_end(
    celery_worker, accountant, media_root, settings
):
    today = timezone.localdate()
    catalog = build_catalog(today)
    order = place_order(
        catalog, local(today - timedelta(days=2), 10), catalog.web, [(catalog.mug, 2, "0")]
    )
    pay(order, local(today - timedelta(days=2), 11))
    with transaction.atomic():  # the admin's request: the task leaves when this commits
        run = report_request(
            kind="payments_refunds",
            parameters=Parameters(start=today - timedelta(days=7), end=today),
            format="csv",
            actor=Actor.for_user(accountant),
        )
        assert ReportRun.objects.get(pk=run.pk).status == RunStatus.QUEUED
    run = wait_for(run)
    content = file_bytes(run)
    assert (run.status, run.error, run.row_count) == (RunStatus.DONE, "", 1)
    assert run.checksum == hashlib.sha256(content).hexdigest()
    assert content.decode("utf-8").splitlines()[1].endswith(f",{order.total},0.00,{order.total}")
    assert order.total == Decimal("26.38")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_whose_worker_is_killed_is_run_again_at_once(redis_url, accountant, media_root):
    """The worker's child process dies mid-report; the broker hands the task straight back and
    the next child takes the run over — done well before any stale check."""
    count = 60_000
    Category.objects.bulk_create(
        Category(name=f"Category {n}", slug=f"category-{n}", full_path=f"Category {n}")
        for n in range(count)
    )
    worker = worker_process(media_root, pool="prefork")
    try:
        with transaction.atomic():
            run = report_request(
                kind="export_categories",
                parameters=Parameters(start=timezone.localdate(), end=timezone.localdate()),
                format="csv",
                actor=Actor.for_user(accountant),
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.progress >= 5 or (run.status != RunStatus.QUEUED and run.progress > 1):
                break
            time.sleep(0.01)
        assert run.status == RunStatus.RUNNING and run.progress >= 5, "it never got going"
        first_task = run.task_id
        (child,) = children_of(worker.pid)
        os.kill(child, signal.SIGKILL)
        run = wait_for(run, seconds=120)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        forget_unacknowledged_tasks()
    assert (run.status, run.error, run.row_count) == (RunStatus.DONE, "", count)
    assert run.task_id == first_task  # the same task, delivered again
    assert len(file_bytes(run).decode("utf-8-sig").splitlines()) == count + 1
    assert len(stored_files(media_root)) == 1
