"""Scheduled reports: a due schedule requests one run, however many dispatchers look at once;
it moves to its next time; a schedule not yet due does nothing; the recipients get a link to
the file, never the file."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from reporting.models import Frequency, ReportRun, ReportSchedule, RunStatus
from reporting.services import next_run_after, report_schedule_save, schedules_dispatch
from tests.concurrency import run_together
from tests.conftest import set_store
from tests.reporting.conftest import SYSTEM


def at_six(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(6, 0)))


@pytest.fixture
def schedule(accountant) -> ReportSchedule:
    return report_schedule_save(
        schedule=ReportSchedule(
            kind="sales_summary",
            preset="yesterday",
            frequency=Frequency.DAILY,
            format="csv",
            recipients="books@example.com\nowner@example.com",
        ),
        actor=Actor.for_user(accountant),
        reschedule=True,
    )


def dispatch(now: datetime) -> int:
    """The beat's task, with what it queues after its commit run as it would be."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return schedules_dispatch(now)


def test_a_new_schedule_is_first_due_at_six_tomorrow(schedule):
    assert schedule.next_run_at == at_six(timezone.localdate() + timedelta(days=1))
    assert schedule.last_run_at is None


def test_a_schedule_not_yet_due_does_nothing(schedule, eager_tasks):
    assert dispatch(schedule.next_run_at - timedelta(seconds=1)) == 0
    assert ReportRun.objects.count() == 0
    assert ReportSchedule.objects.get().next_run_at == schedule.next_run_at
    assert mail.outbox == []


def test_a_due_schedule_fires_once_and_moves_to_its_next_time(schedule, eager_tasks):
    due = schedule.next_run_at + timedelta(minutes=3)  # the beat looks every five minutes
    assert dispatch(due) == 1
    assert dispatch(due) == 0  # the same moment again: nothing more
    assert dispatch(due + timedelta(hours=5)) == 0
    run = ReportRun.objects.get()
    day_before = timezone.localdate(due) - timedelta(days=1)
    assert (run.kind, run.format, run.schedule, run.requested_by) == (
        "sales_summary",
        "csv",
        schedule,
        None,
    )
    assert (run.parameters["start"], run.parameters["end"]) == (day_before.isoformat(),) * 2
    assert run.parameters["preset"] == "yesterday"
    schedule.refresh_from_db()
    assert schedule.last_run_at == due
    assert schedule.next_run_at == at_six(timezone.localdate(due) + timedelta(days=1))
    assert dispatch(schedule.next_run_at) == 1
    assert ReportRun.objects.count() == 2


def test_the_recipients_get_a_link_to_the_run_not_the_file(schedule, eager_tasks):
    set_store(public_base_url="https://office.example.com/")
    dispatch(schedule.next_run_at)
    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["books@example.com", "owner@example.com"]
    assert email.subject == f"Sales summary: {run.parameters['start']} to {run.parameters['end']}"
    link = f"https://office.example.com/admin/reporting/reportrun/{run.pk}/download/"
    assert link in email.body
    assert email.attachments == []
    assert "(0 rows)" in email.body


def test_a_failed_scheduled_run_sends_nothing(schedule, eager_tasks, media_root):
    media_root.parent.mkdir(parents=True, exist_ok=True)
    media_root.write_text("not a folder")
    dispatch(schedule.next_run_at)
    assert ReportRun.objects.get().status == RunStatus.FAILED
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("frequency", "moment", "expected"),
    [
        (Frequency.DAILY, datetime(2026, 3, 31, 6, 2), datetime(2026, 4, 1, 6, 0)),
        (Frequency.WEEKLY, datetime(2026, 3, 4, 6, 2), datetime(2026, 3, 9, 6, 0)),  # Wed → Mon
        (Frequency.WEEKLY, datetime(2026, 3, 9, 6, 2), datetime(2026, 3, 16, 6, 0)),  # Mon → Mon
        (Frequency.MONTHLY, datetime(2026, 1, 31, 6, 2), datetime(2026, 2, 1, 6, 0)),
        (Frequency.MONTHLY, datetime(2026, 12, 1, 6, 2), datetime(2027, 1, 1, 6, 0)),
    ],
)
def test_the_next_time_is_the_next_day_monday_or_first_of_the_month(frequency, moment, expected):
    assert next_run_after(frequency, timezone.make_aware(moment)) == timezone.make_aware(expected)


def test_a_schedule_that_can_no_longer_run_does_not_stop_the_others(schedule, eager_tasks):
    withdrawn = report_schedule_save(
        schedule=ReportSchedule(
            kind="tax_summary", preset="yesterday", frequency="daily", recipients="a@example.com"
        ),
        actor=SYSTEM,
        reschedule=True,
    )
    ReportSchedule.objects.filter(pk=withdrawn.pk).update(kind="old_report")  # withdrawn since
    assert dispatch(schedule.next_run_at) == 1
    assert list(ReportRun.objects.values_list("kind", flat=True)) == ["sales_summary"]
    withdrawn.refresh_from_db()
    assert withdrawn.next_run_at > schedule.next_run_at  # tried again at its next time


def test_a_schedule_is_checked_before_it_is_saved(merchant, db):
    def save(**fields):
        values = {
            "kind": "low_stock",
            "preset": "yesterday",
            "frequency": "daily",
            "recipients": "a@example.com",
            **fields,
        }
        return report_schedule_save(
            schedule=ReportSchedule(**values), actor=Actor.for_user(merchant), reschedule=True
        )

    with pytest.raises(DomainError, match="cannot schedule the Tax summary"):
        save(kind="tax_summary")
    with pytest.raises(DomainError, match="not custom dates"):
        save(preset="custom")
    with pytest.raises(DomainError, match="There is no report 'profits'"):
        save(kind="profits")
    with pytest.raises(DomainError, match="'pdf' is not a report format"):
        save(format="pdf")
    assert ReportSchedule.objects.count() == 0
    assert save().created_by == merchant


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-locking races need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_at_once_request_one_run(schedule, eager_tasks):
    due = schedule.next_run_at + timedelta(minutes=1)
    counts = [None] * 4
    run_together(4, lambda index: counts.__setitem__(index, schedules_dispatch(due)))
    assert sorted(counts) == [0, 0, 0, 1]
    assert ReportRun.objects.filter(schedule=schedule).count() == 1
    assert ReportSchedule.objects.get().next_run_at == next_run_after("daily", due)
    assert len(mail.outbox) == 1
