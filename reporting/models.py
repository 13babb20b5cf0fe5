"""Report runs and schedules, and the daily sales rollup the dashboard reads.

A run is requested (queued), picked up by a worker (running, with progress), and ends done
(with its file in storage and the file's checksum) or failed (with the error). The report
kinds themselves, each a query separated from its output format, live in `reporting.reports`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.files import private_name
from backoffice.money import MoneyField


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel (xlsx)"
    CSV = "csv", "CSV (UTF-8)"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


def report_file_path(instance: "ReportRun", filename: str) -> str:
    return private_name(f"reports/{instance.created_at:%Y/%m}", filename)


class ReportRun(models.Model):
    kind = models.CharField(max_length=40, db_index=True)
    parameters = models.JSONField(default=dict)
    format = models.CharField(max_length=5, choices=ReportFormat.choices)
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    row_count = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to=report_file_path, max_length=500, blank=True)
    checksum = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule = models.ForeignKey(
        "ReportSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Refreshed by the worker while it writes: a running report whose heartbeat stops is a
    # report whose worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The task that took the run: the same task delivered again means its worker died.
    task_id = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("request_finance_reports", "Can request and download the financial reports"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Mondays)"
    MONTHLY = "monthly", "Monthly (the 1st)"


class ReportSchedule(models.Model):
    kind = models.CharField(max_length=40)
    preset = models.CharField(max_length=20, help_text="The period each run covers.")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    format = models.CharField(max_length=5, choices=ReportFormat.choices, default="xlsx")
    channel = models.ForeignKey(
        "sales.Channel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipients = models.TextField(help_text="Email addresses, one per line.")
    active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_frequency_display().lower()})"

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class DailySales(models.Model):
    """One day of one channel's sales, summed from its orders (by the day they were placed)
    and refunds (by the day they were made). Kept current by the sales services through
    `reporting.rollups`, rebuilt nightly, read by the dashboard."""

    day = models.DateField()
    channel = models.ForeignKey("sales.Channel", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    # The retail breakdown of `sales.figures`: net sales = gross - discounts - returns.
    gross = MoneyField(default=0, help_text="Gross sales: before discounts, without tax.")
    discounts = MoneyField(default=0, help_text="Without tax.")
    returns = MoneyField(default=0, help_text="Refunds without their tax.")
    tax = MoneyField(default=0, help_text="Tax charged less tax refunded.")
    shipping = MoneyField(default=0, help_text="Without tax.")
    refunds = MoneyField(default=0, help_text="Money given back, with tax.")

    class Meta:
        verbose_name_plural = "daily sales"
        ordering = ["-day", "channel_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="one_rollup_per_day_channel"),
            models.CheckConstraint(condition=Q(orders__gte=0), name="rollup_orders_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel_id}"

    @property
    def net_sales(self):
        return self.gross - self.discounts - self.returns

    @property
    def net(self):
        return self.gross - self.refunds
