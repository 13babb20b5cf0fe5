"""Requesting, running and scheduling reports.

A request creates a queued run and, once committed, sends it to a worker on the bulk queue.
The worker writes the file to a temporary file, stores it (S3 in production), and records
its size and checksum. Progress and a heartbeat are written as it goes, in their own small
commits, so the admin can show them and a run whose worker died can be told from a slow one.
"""

import hashlib
import logging
import tempfile
from datetime import datetime, time, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.selectors import store_settings
from backoffice.workers import QUEUE_ERRORS, queue_check, send_on_commit, stale_after
from reporting.models import Frequency, ReportFormat, ReportRun, ReportSchedule, RunStatus
from reporting.periods import PRESETS, period_for
from reporting.reports import CATALOGUE, FINANCE, Parameters, Report
from reporting.writers import WRITERS

logger = logging.getLogger(__name__)

QUEUED_FOR_TOO_LONG = 6  # stale intervals a queued run is sent again before it is failed
FINANCE_PERMISSION = "reporting.request_finance_reports"
SCHEDULE_HOUR = time(6, 0)  # scheduled reports are ready when the accountant starts the day


def report_of(kind: str) -> Report:
    report = CATALOGUE.get(kind)
    if report is None:
        raise DomainError(f"There is no report {kind!r}; the reports are: {', '.join(CATALOGUE)}.")
    return report


def may_request(user, kind: str) -> bool:
    """Every report for the Accountant and the Owner; the operational ones for the Merchant;
    an export only to whom may read its rows. Asked to request a run and to download one."""
    report = CATALOGUE.get(kind)
    if report is None or not user.has_perm("reporting.add_reportrun"):
        return False
    if report.read_permissions and not user.has_perms(report.read_permissions):
        return False  # an export of rows the role may not read
    return report.audience != FINANCE or user.has_perm(FINANCE_PERMISSION)


def parameters_for(
    *, preset: str, start=None, end=None, channel_id=None, grouping="day", today=None
):
    """Report parameters from a preset (seen from `today`, the shop's date by default), or
    from custom dates (preset "custom")."""
    if preset not in PRESETS:
        raise DomainError(f"{preset!r} is not a period; use one of: {', '.join(PRESETS)}.")
    if preset != "custom":
        start, end = period_for(preset, today)
    if start is None or end is None:
        raise DomainError("Custom dates need both a start and an end.")
    try:  # the parameters check themselves (period, grouping)
        return Parameters(
            start=start, end=end, channel_id=channel_id, grouping=grouping, preset=preset
        )
    except ValueError as error:
        raise DomainError(str(error)) from error


@transaction.atomic
def report_request(
    *, kind: str, parameters: Parameters, format: str, actor: Actor, schedule=None
) -> ReportRun:
    report_of(kind)
    if format not in ReportFormat.values:
        raise DomainError(f"{format!r} is not a report format; use xlsx or csv.")
    if actor.user is not None and not may_request(actor.user, kind):
        raise DomainError(f"Your role cannot request the {report_of(kind).title} report.")
    queue_check()
    run = ReportRun.objects.create(
        kind=kind,
        parameters=parameters.as_dict(),
        format=format,
        requested_by=actor.user,
        schedule=schedule,
    )
    _enqueue(run.pk)
    return run


def _enqueue(run_id: int) -> None:
    from reporting.tasks import report_run_task

    send_on_commit(
        report_run_task,
        run_id,
        on_failure=lambda error: report_run_fail(run_id=run_id, error=error),
    )


# --- running ----------------------------------------------------------------------------------


def _claim(run_id: int, task_id: str = "") -> ReportRun | None:
    """Take the run for the task `task_id`, or None when there is nothing to do: done, failed,
    or running under another task whose worker still beats. A task that finds the run its own
    is a redelivery: the worker that ran it before died (it would have acknowledged the task
    had it finished), so it starts over whatever the heartbeat says."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in (RunStatus.DONE, RunStatus.FAILED):
            return None
        redelivered = bool(task_id) and run.task_id == task_id
        if run.status == RunStatus.RUNNING and not redelivered and _beating(run):
            return None
        if run.status == RunStatus.RUNNING:
            logger.warning("Report run %s: its worker is gone, task %s takes over", run_id, task_id)
        now = timezone.now()
        run.status, run.started_at, run.heartbeat_at, run.progress = RunStatus.RUNNING, now, now, 1
        run.error, run.task_id = "", task_id
        fields = ["status", "started_at", "heartbeat_at", "progress", "error", "task_id"]
        run.save(update_fields=fields)
        return run


def _beating(run: ReportRun) -> bool:
    beat = run.heartbeat_at
    return beat is not None and timezone.now() - beat < stale_after()


def _progress(run_id: int):
    def report(rows: int) -> None:
        # An honest estimate is unknown while rows stream: creep towards 90 % as they come.
        percent = int(90 * rows / (rows + 20_000)) + 5
        ReportRun.objects.filter(pk=run_id).update(
            progress=percent, row_count=rows, heartbeat_at=timezone.now()
        )

    return report


def report_metadata(
    report: Report, parameters: Parameters, run: ReportRun | None = None
) -> list[tuple]:
    """What the parameters sheet says: the report, its period and channel, and the run that
    produced it (none for the command line)."""
    from sales.models import Channel

    channel = (
        Channel.objects.filter(pk=parameters.channel_id).first() if parameters.channel_id else None
    )
    rows = [
        ("Report", report.title),
        ("What it shows", report.description),
        ("Period", PRESETS.get(parameters.preset, parameters.preset)),
        ("From", parameters.start),
        ("To", parameters.end),
        ("Grouping", parameters.grouping),
        ("Channel", channel.name if channel else "All channels"),
        ("Currency", store_settings().currency),
    ]
    if run is not None:
        requester = run.requested_by.get_username() if run.requested_by else "schedule"
        rows += [("Run", run.pk), ("Requested by", requester), ("Requested at", run.created_at)]
    return [*rows, ("Generated at", timezone.now())]


def _file_name(run: ReportRun, parameters: Parameters) -> str:
    return f"{slugify(run.kind)}-{parameters.start}-{parameters.end}-{run.pk}.{run.format}"


def report_run_execute(run_id: int, task_id: str = "") -> ReportRun | None:
    """Produce the file of a run (the worker's side, as the task `task_id`). Safe to call
    twice: a run done, failed, or running elsewhere is left as it is (None). A report that
    fails ends its run failed with the error, and leaves no file behind: the file is stored
    only once it is complete."""
    run = _claim(run_id, task_id)
    if run is None:
        return None
    try:
        stored = _produce(run)
    except SoftTimeLimitExceeded:
        raise  # the task fails the run in its own words
    except Exception as error:
        logger.exception("Report run %s failed", run_id)
        report_run_fail(run_id=run_id, error=f"{type(error).__name__}: {error}")
        return ReportRun.objects.get(pk=run_id)
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE,
        progress=100,
        error="",
        finished_at=timezone.now(),
        **stored,
    )
    run.refresh_from_db()
    if run.schedule_id:
        transaction.on_commit(lambda: _notify(run.pk))
    return run


def _produce(run: ReportRun) -> dict:
    """Write the run's file to a temporary file, then store it; its row count, name, size and
    checksum."""
    report, parameters = report_of(run.kind), Parameters.from_dict(run.parameters)
    with tempfile.TemporaryFile() as target:
        written = WRITERS[run.format](
            report,
            parameters,
            report.rows(parameters),
            target,
            report_metadata(report, parameters, run),
            _progress(run.pk),
        )
        target.seek(0)
        checksum = _sha256(target)
        size = target.seek(0, 2)
        target.seek(0)
        run.file.save(_file_name(run, parameters), File(target), save=False)
    return {"row_count": written.rows, "file": run.file.name, "checksum": checksum, "size": size}


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def report_run_fail(*, run_id: int, error: str) -> None:
    ReportRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
        status=RunStatus.FAILED, error=error[:5000], finished_at=timezone.now()
    )


def report_runs_fail_stale(now: datetime | None = None) -> int:
    """Runs whose worker stopped beating (killed, lost) are failed, not left running. A run
    queued for longer than the stale interval is sent again (its first sending may have been
    lost; a duplicate finds it taken and skips), and failed once it has waited six intervals.
    The number of runs failed."""
    now = now or timezone.now()
    stale = stale_after()
    failed = ReportRun.objects.filter(
        status=RunStatus.RUNNING, heartbeat_at__lt=now - stale
    ).update(
        status=RunStatus.FAILED,
        error="The worker running this report stopped; request it again.",
        finished_at=now,
    )
    waiting = ReportRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=now - stale)
    minutes = int(stale.total_seconds() * QUEUED_FOR_TOO_LONG // 60)
    failed += waiting.filter(created_at__lt=now - stale * QUEUED_FOR_TOO_LONG).update(
        status=RunStatus.FAILED,
        error=f"No worker took this report within {minutes} minutes; request it again.",
        finished_at=now,
    )
    for run_id in waiting.values_list("pk", flat=True):
        _send_again(run_id)
    return failed


def _send_again(run_id: int) -> None:
    from reporting.tasks import report_run_task

    try:
        report_run_task.delay(run_id)
    except QUEUE_ERRORS:  # the queue is down again: the next check tries once more
        logger.exception("Could not send report run %s again", run_id)


def _notify(run_id: int) -> None:
    from reporting.tasks import report_run_notify_task

    report_run_notify_task.delay(run_id)


# --- schedules --------------------------------------------------------------------------------


def next_run_after(frequency: str, moment: datetime) -> datetime:
    """The next time a schedule is due after `moment`: 06:00 the next day, next Monday or the
    1st of next month, in the shop's time zone."""
    day = timezone.localtime(moment).date()
    if frequency == Frequency.DAILY:
        day += timedelta(days=1)
    elif frequency == Frequency.WEEKLY:
        day += timedelta(days=7 - day.weekday())
    elif frequency == Frequency.MONTHLY:
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    else:
        raise DomainError(f"{frequency!r} is not a frequency.")
    return timezone.make_aware(datetime.combine(day, SCHEDULE_HOUR))


def schedules_dispatch(now: datetime | None = None) -> int:
    """Request a run for every schedule that is due, once: each due schedule is locked,
    moved to its next time and its run requested in one transaction."""
    now = now or timezone.now()
    due = ReportSchedule.objects.filter(active=True, next_run_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(_dispatch_one(schedule_id, now) for schedule_id in list(due))


@transaction.atomic
def _dispatch_one(schedule_id: int, now: datetime) -> bool:
    schedule = (
        ReportSchedule.objects.select_for_update(skip_locked=True)
        .filter(pk=schedule_id, active=True, next_run_at__lte=now)
        .first()
    )
    if schedule is None:
        return False  # another dispatcher has it, or had it
    schedule.last_run_at = now
    schedule.next_run_at = next_run_after(schedule.frequency, now)
    schedule.save(update_fields=["last_run_at", "next_run_at"])
    try:
        # The period as seen when the schedule fires (yesterday, last month, …).
        parameters = parameters_for(
            preset=schedule.preset, channel_id=schedule.channel_id, today=timezone.localdate(now)
        )
        report_request(
            kind=schedule.kind,
            parameters=parameters,
            format=schedule.format,
            actor=Actor.system("report schedule"),
            schedule=schedule,
        )
    except DomainError:
        # A schedule that can no longer be run (its report was withdrawn) waits for its next
        # time instead of stopping the schedules after it every few minutes.
        logger.exception("Report schedule %s could not be run", schedule.pk)
        return False
    return True


@transaction.atomic
def report_schedule_save(
    *, schedule: ReportSchedule, actor: Actor, reschedule: bool
) -> ReportSchedule:
    """Save a schedule the actor may run; a new one, or a new frequency, starts afresh."""
    report_of(schedule.kind)
    if schedule.format not in ReportFormat.values:
        raise DomainError(f"{schedule.format!r} is not a report format; use xlsx or csv.")
    if actor.user is not None and not may_request(actor.user, schedule.kind):
        raise DomainError(f"Your role cannot schedule the {report_of(schedule.kind).title} report.")
    if schedule.preset == "custom" or schedule.preset not in PRESETS:
        raise DomainError(
            "A schedule covers a named period (last month, yesterday, …), not custom dates."
        )
    if reschedule or schedule.next_run_at is None:
        schedule.next_run_at = next_run_after(schedule.frequency, timezone.now())
    if schedule.pk is None:
        schedule.created_by = actor.user
    schedule.save()
    return schedule
