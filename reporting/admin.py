"""Reports in the admin: request one (a form), follow its progress, download it; schedule
them. Files are served only through the permission-checked download view: a presigned,
short-lived link on S3, a streamed response from local storage."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.contrib.filters.admin import ChoicesCheckboxFilter
from unfold.decorators import action, display

from backoffice.admin import BaseAdmin
from backoffice.admin_services import actor_of, report_domain_errors
from reporting import services
from reporting.forms import ReportScheduleForm, RequestReportForm
from reporting.models import ReportRun, ReportSchedule, RunStatus
from reporting.reports import CATALOGUE

STATUS_COLOURS = {"queued": "info", "running": "warning", "done": "success", "failed": "danger"}


def _title(kind: str) -> str:
    report = CATALOGUE.get(kind)
    return report.title if report else kind


@admin.register(ReportRun)
class ReportRunAdmin(BaseAdmin):
    list_display = (
        "created_at",
        "report_title",
        "period",
        "format",
        "status_badge",
        "progress_display",
        "row_count",
        "requested_by",
        "download_link",
    )
    list_filter = (("status", ChoicesCheckboxFilter), "format")
    list_filter_submit = True
    list_select_related = ("requested_by",)
    actions_list = ("request_report",)
    readonly_fields = (
        "report_title",
        "period",
        "format",
        "status",
        "progress",
        "row_count",
        "size",
        "checksum",
        "error",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "download_link",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # requested through the form, which calls the service

    def has_request_permission(self, request):
        """Requesting a report is what `add` means for runs (the form, not the add page)."""
        return request.user.has_perm("reporting.add_reportrun")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        runs = super().get_queryset(request)
        readable = [kind for kind in CATALOGUE if services.may_request(request.user, kind)]
        return runs.filter(kind__in=readable)

    @display(description="Report")
    def report_title(self, obj):
        return _title(obj.kind)

    @display(description="Period")
    def period(self, obj):
        return f"{obj.parameters.get('start')} → {obj.parameters.get('end')}"

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_badge(self, obj):
        return obj.status

    @display(description="Progress")
    def progress_display(self, obj):
        return f"{obj.progress} %"

    @display(description="File")
    def download_link(self, obj):
        if obj.status != RunStatus.DONE:
            return obj.error[:80] if obj.status == RunStatus.FAILED else "—"
        url = reverse("admin:reporting_reportrun_download", args=[obj.pk])
        return format_html('<a href="{}" class="text-primary-600">Download</a>', url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = ReportRun.objects.filter(pk=object_id).only("status").first()
        waiting = run is not None and run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
        extra_context = {**(extra_context or {}), "refresh_seconds": 3 if waiting else None}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        download = path(
            "<int:pk>/download/",
            self.admin_site.admin_view(self.download_view),
            name="reporting_reportrun_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, pk):
        # Looked up among all runs, so a report the role may not read is refused (403), not
        # hidden behind a "not found".
        run = get_object_or_404(ReportRun, pk=pk)
        if not self.has_view_permission(request, run) or not services.may_request(
            request.user, run.kind
        ):
            raise PermissionDenied
        if run.status != RunStatus.DONE or not run.file:
            messages.error(request, "This report has no file yet.")
            return redirect(reverse("admin:reporting_reportrun_change", args=[run.pk]))
        storage, filename = run.file.storage, run.file.name.rsplit("/", 1)[-1]
        if getattr(storage, "querystring_auth", False):
            # Presigned and short-lived; saved under its name, as the local download is.
            disposition = {"ResponseContentDisposition": f'attachment; filename="{filename}"'}
            return HttpResponseRedirect(storage.url(run.file.name, parameters=disposition))
        return FileResponse(
            storage.open(run.file.name, "rb"), as_attachment=True, filename=filename
        )

    @action(
        description="Request a report",
        url_path="request",
        icon="add_chart",
        permissions=["request"],
    )
    def request_report(self, request):
        form = RequestReportForm(request.user, request.POST or None)
        if form.is_valid():
            data, result = form.cleaned_data, dict[str, Any]()
            done = report_domain_errors(
                request,
                lambda: result.update(
                    run=services.report_request(
                        kind=data["kind"],
                        parameters=data["parameters"],
                        format=data["format"],
                        actor=actor_of(request),
                    )
                ),
            )
            if done:
                run = result["run"]
                messages.success(request, f"{_title(run.kind)} requested: it is being prepared.")
                return redirect(reverse("admin:reporting_reportrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Request a report",
            "form": form,
            "explanation": "The report is prepared in the background; its page shows the "
            "progress and, when it is ready, the download.",
            "submit_label": "Request",
            "cancel_url": reverse("admin:reporting_reportrun_changelist"),
        }
        return TemplateResponse(request, "backoffice/action_form.html", context)


@admin.register(ReportSchedule)
class ReportScheduleAdmin(BaseAdmin):
    form = ReportScheduleForm
    list_display = (
        "report_title",
        "preset",
        "frequency",
        "format",
        "channel",
        "next_run_at",
        "last_run_at",
        "active",
    )
    list_filter = ("frequency", "active")
    readonly_fields = ("next_run_at", "last_run_at")

    @display(description="Report")
    def report_title(self, obj):
        return _title(obj.kind)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)

        class ForUser(form_class):  # type: ignore[valid-type,misc]  # a class made per request
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)

        return ForUser

    def get_queryset(self, request):
        schedules = super().get_queryset(request)
        allowed = [kind for kind in CATALOGUE if services.may_request(request.user, kind)]
        return schedules.filter(kind__in=allowed)

    def save_model(self, request, obj, form, change):
        services.report_schedule_save(
            schedule=obj,
            actor=actor_of(request),
            reschedule=not change or "frequency" in form.changed_data,
        )
