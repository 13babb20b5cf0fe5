"""Report tasks: thin, taking ids, safe to run twice. Reports go to the bulk queue."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import send_mail
from django.urls import reverse

from backoffice.selectors import absolute_url
from reporting import services
from reporting.models import ReportRun, RunStatus

# Below the broker's one-hour redelivery: a report is never running twice by accident.
REPORT_SOFT_LIMIT = 25 * 60
REPORT_HARD_LIMIT = 27 * 60


@shared_task(bind=True, soft_time_limit=REPORT_SOFT_LIMIT, time_limit=REPORT_HARD_LIMIT)
def report_run_task(self, run_id: int) -> str:
    try:
        run = services.report_run_execute(run_id, task_id=self.request.id or "")
    except SoftTimeLimitExceeded:
        minutes = REPORT_SOFT_LIMIT // 60
        services.report_run_fail(
            run_id=run_id, error=f"The report took longer than {minutes} minutes."
        )
        return RunStatus.FAILED
    return run.status if run else "skipped"


@shared_task
def report_runs_fail_stale_task() -> int:
    return services.report_runs_fail_stale()


@shared_task
def report_schedules_dispatch_task() -> int:
    return services.schedules_dispatch()


@shared_task
def report_run_notify_task(run_id: int) -> int:
    """Email a scheduled run's recipients a link to it (never the file itself)."""
    run = (
        ReportRun.objects.select_related("schedule")
        .filter(pk=run_id, status=RunStatus.DONE)
        .first()
    )
    if run is None or run.schedule is None:
        return 0
    link = absolute_url(reverse("admin:reporting_reportrun_download", args=[run.pk]))
    report = services.report_of(run.kind)
    return send_mail(
        subject=f"{report.title}: {run.parameters['start']} to {run.parameters['end']}",
        message=(
            f"The scheduled report “{report.title}” is ready ({run.row_count} rows).\n\n"
            f"Download it (sign-in required): {link}\n"
        ),
        from_email=None,
        recipient_list=run.schedule.recipient_list,
    )


@shared_task
def daily_sales_rebuild_task() -> int:
    """Nightly: the rollup rebuilt from the orders, whatever happened to it during the day."""
    from reporting.rollups import daily_sales_rebuild

    return daily_sales_rebuild()
