"""Imports in the admin: start one (kind and file), read its preview — new, changed (field by
field), unchanged and invalid rows —, apply it, revert it. A big file's preview and apply run
on a worker; the page follows their progress."""

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.decorators import action, display

from backoffice.admin import BaseAdmin
from backoffice.admin_services import actor_of, report_domain_errors
from imports import services
from imports.forms import NewImportForm
from imports.images import image_copies_retry
from imports.models import CopyStatus, ImportBatch, ImportKind, ImportStatus
from imports.outcome import RowStatus
from imports.revert import import_revert
from inventory.models import Warehouse

STATUS_COLOURS = {
    "previewing": "info",
    "ready": "success",
    "invalid": "danger",
    "applying": "warning",
    "applied": "success",
    "failed": "danger",
    "reverted": "info",
}
RUNNING = (ImportStatus.PREVIEWING, ImportStatus.APPLYING)


IMAGE_FAILURES_SHOWN = 50


def _image_copies(batch: ImportBatch) -> dict | None:
    """The batch's image copies: how many by status, and the first failures."""
    counts = dict(batch.image_copies.values_list("status").annotate(n=Count("pk")).order_by())
    if not counts:
        return None
    failures = (
        batch.image_copies.filter(status=CopyStatus.FAILED)
        .select_related("image")
        .order_by("pk")[:IMAGE_FAILURES_SHOWN]
    )
    return {
        "done": counts.get(CopyStatus.DONE, 0),
        "pending": counts.get(CopyStatus.PENDING, 0),
        "failed": counts.get(CopyStatus.FAILED, 0),
        "failures": list(failures),
        "automatic": settings.IMPORT_IMAGE_COPY_AFTER_APPLY,
    }


@admin.register(ImportBatch)
class ImportBatchAdmin(BaseAdmin):
    list_display = (
        "__str__",
        "kind",
        "status_badge",
        "summary",
        "actor_name",
        "created_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "actor_name")
    actions_list = ("new_import",)

    def has_add_permission(self, request):
        return False  # started through the "New import" form, which calls the service

    def has_new_permission(self, request):
        return request.user.has_perm("imports.add_importbatch")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_badge(self, obj):
        return obj.status

    @display(description="Rows")
    def summary(self, obj):
        counts = obj.counts or {}
        if obj.kind == ImportKind.REVERT:
            return ", ".join(f"{counts.get(k, 0)} {k}" for k in ("restored", "removed", "kept"))
        if not counts:
            return "—"
        return ", ".join(f"{counts.get(k, 0)} {k}" for k in RowStatus.ORDER)

    # --- pages ---------------------------------------------------------------------------------

    def get_urls(self):
        def view(name, function):
            return path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(function),
                name=f"imports_importbatch_{name}",
            )

        return [
            view("apply", self.apply_view),
            view("revert", self.revert_view),
            view("errors", self.errors_view),
            view("retry-images", self.retry_images_view),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("No such import.")
        batch = get_object_or_404(ImportBatch, pk=object_id)
        if not services.may_read_import(request.user, batch):
            raise PermissionDenied
        may_apply = request.user.has_perm("imports.apply_importbatch")
        preview = batch.preview or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(batch),
            "batch": batch,
            "running": batch.status in RUNNING,
            "progress": services.import_progress(batch),
            "preview": preview,
            # In a fixed order: PostgreSQL's jsonb keeps keys in an order of its own.
            "counts": [(k, preview["counts"].get(k, 0)) for k in RowStatus.ORDER]
            if preview.get("counts")
            else [],
            "may_apply": may_apply and batch.status == ImportStatus.READY,
            "skippable": services.skippable(batch) if may_apply else None,
            "opening_stock": preview.get("opening_stock") or {},
            "images": _image_copies(batch),
            "may_retry_images": may_apply,
            "stock_warehouses": self._stock_warehouses(request, preview),
            "may_revert": may_apply
            and batch.status == ImportStatus.APPLIED
            and batch.kind != ImportKind.REVERT,
        }
        return TemplateResponse(request, "imports/batch.html", context)

    @staticmethod
    def _stock_warehouses(request, preview: dict):
        """Where the file's quantities may be counted, when it has any and the user may."""
        if not (preview.get("opening_stock") or {}).get("variants"):
            return []
        if not request.user.has_perm("inventory.change_stocklevel"):
            return []
        return list(Warehouse.objects.filter(active=True).order_by("-is_default", "code"))

    def _batch_for_change(self, request, pk) -> ImportBatch:
        if request.method != "POST":
            raise PermissionDenied
        return get_object_or_404(ImportBatch, pk=pk)

    def apply_view(self, request, pk):
        batch = self._batch_for_change(request, pk)
        warehouse = None
        chosen = request.POST.get("opening_stock_warehouse", "")
        if chosen:
            warehouse = Warehouse.objects.filter(pk=chosen).first() if chosen.isdigit() else None
            if warehouse is None:
                messages.error(request, "Choose one of the warehouses listed.")
                return redirect(reverse("admin:imports_importbatch_change", args=[pk]))
        result: dict[str, Any] = {}
        if report_domain_errors(
            request,
            lambda: result.update(
                batch=services.import_apply(
                    batch=batch,
                    actor=actor_of(request),
                    opening_stock_warehouse=warehouse,
                    skip_invalid=request.POST.get("skip_invalid") == "1",
                )
            ),
        ):
            batch = result["batch"]
            if batch.status == ImportStatus.APPLIED:
                messages.success(request, f"{batch} applied. {batch.message}".strip())
            elif batch.status == ImportStatus.APPLYING:
                messages.info(request, f"{batch} is being applied in the background.")
            else:
                messages.error(request, batch.message or f"{batch} was not applied.")
        return redirect(reverse("admin:imports_importbatch_change", args=[pk]))

    def revert_view(self, request, pk):
        batch = self._batch_for_change(request, pk)
        result: dict[str, Any] = {}
        if report_domain_errors(
            request,
            lambda: result.update(revert=import_revert(batch=batch, actor=actor_of(request))),
        ):
            revert = result["revert"]
            messages.success(request, f"{batch} reverted ({self.summary(revert)}).")
            return redirect(reverse("admin:imports_importbatch_change", args=[revert.pk]))
        return redirect(reverse("admin:imports_importbatch_change", args=[pk]))

    def retry_images_view(self, request, pk):
        batch = self._batch_for_change(request, pk)
        result: dict[str, Any] = {}
        if report_domain_errors(
            request,
            lambda: result.update(count=image_copies_retry(batch=batch, actor=actor_of(request))),
        ):
            messages.success(request, f"{result['count']} image(s) will be copied again.")
        return redirect(reverse("admin:imports_importbatch_change", args=[pk]))

    def errors_view(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if not services.may_read_import(request.user, batch):
            raise PermissionDenied
        if not batch.error_file:
            messages.error(request, "This import has no error file.")
            return redirect(reverse("admin:imports_importbatch_change", args=[pk]))
        name = batch.error_file.name.rsplit("/", 1)[-1]
        return FileResponse(batch.error_file.open("rb"), as_attachment=True, filename=name)

    @action(description="New import", url_path="new", icon="upload_file", permissions=["new"])
    def new_import(self, request):
        # The model pages link here with the kind of file they hold (?kind=prices).
        initial = {"kind": request.GET.get("kind")}
        form = NewImportForm(
            request.user, request.POST or None, request.FILES or None, initial=initial
        )
        if form.is_valid():
            result: dict[str, Any] = {}
            data = form.cleaned_data
            if report_domain_errors(
                request,
                lambda: result.update(
                    batch=services.import_create(
                        kind=data["kind"], upload=data["file"], actor=actor_of(request)
                    )
                ),
            ):
                batch = result["batch"]
                if batch.kind != data["kind"]:
                    messages.info(
                        request,
                        f"This file is a {batch.get_kind_display()} file; it is previewed as "
                        f"one (you chose {ImportKind(data['kind']).label}).",
                    )
                return redirect(reverse("admin:imports_importbatch_change", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "New import",
            "form": form,
            "explanation": "The file is checked and previewed first: you see every new, "
            "changed, unchanged and invalid row before anything is written. Big files are "
            "previewed in the background.",
            "submit_label": "Preview",
            "cancel_url": reverse("admin:imports_importbatch_changelist"),
        }
        return TemplateResponse(request, "backoffice/action_form.html", context)
