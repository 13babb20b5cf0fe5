"""Base admin classes for every app, and Django's users and groups in the Unfold style.

Apps subclass one of the bases so that every page shares the same look and limits:
`BaseAdmin` (plain) and `HistoryAdmin` (models with simple-history: history view, diffs,
revert). A list that is exported adds `ExportAdminMixin` (`ExportAdmin`,
`HistoryExportAdmin`); a list whose rows files bring in adds `ImportLinkMixin`.
A list with costly computed columns declares them in `annotate_page`; see
`PageAnnotatedChangeList`.
"""

from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from import_export.admin import ExportActionMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm
from unfold.decorators import action, display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.views import ChangeList

from backoffice import exports
from backoffice.admin_services import actor_of
from backoffice.exceptions import DomainError
from backoffice.money import format_money


class ReadOnlyMixin:
    """A page (or inline) to find and read rows that only the product's own actions write:
    nobody adds, edits or deletes them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def money_display(field: str, description: str):
    """A read-only admin column or field showing a money field in its object's currency, with
    the currency's decimals and symbol ("¥2,199", "€19.90")."""

    @display(description=description, ordering=field)
    def show(self, obj):
        return format_money(getattr(obj, field), obj.currency)

    return show


class PageAnnotatedChangeList(ChangeList):
    """A changelist that computes its admin's `annotate_page` columns for the rows of the page
    only. Annotated on the whole queryset, PostgreSQL would compute them for every row an
    OFFSET skips, so page 500 of a large catalog would cost 500 pages. Sorting by one of those
    columns needs them on every row, and gets them there."""

    annotated_in_full = False
    root_queryset: QuerySet
    result_list: Any

    def get_queryset(self, request, exclude_parameters=None):
        if not self.annotated_in_full and self._orders_by_page_annotation(request):
            self.root_queryset = self.model_admin.annotate_page(self.root_queryset)
            self.annotated_in_full = True
        return super().get_queryset(request, exclude_parameters)

    def _page_annotations(self) -> set[str]:
        empty = self.model._default_manager.none()
        return set(self.model_admin.annotate_page(empty).query.annotations)

    def _orders_by_page_annotation(self, request) -> bool:
        names = self._page_annotations()
        ordering = self.get_ordering(request, self.root_queryset) if names else []
        return any(isinstance(f, str) and f.lstrip("-") in names for f in ordering)

    def get_results(self, request):
        super().get_results(request)
        if self.annotated_in_full or self.list_editable or not self._page_annotations():
            return
        ids = list(self.result_list.values_list("pk", flat=True))
        page = self.model_admin.annotate_page(self.root_queryset.filter(pk__in=ids))
        rows = {row.pk: row for row in self.apply_select_related(page)}
        self.result_list = [rows[pk] for pk in ids if pk in rows]


class BaseAdmin(ModelAdmin):
    """Every Backoffice admin page."""

    list_per_page = 50
    list_max_show_all = 500
    warn_unsaved_form = True
    compressed_fields = True

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A service refusing a save (raised inside the admin's transaction, so rolled back)
        # becomes a message on the same page, not a server error.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(request.get_full_path())

    def annotate_page(self, queryset):
        """Costly computed columns of the list, added to the rows of the page only."""
        return queryset

    def get_changelist(self, request, **kwargs):
        return PageAnnotatedChangeList


class HistoryAdmin(SimpleHistoryAdmin, BaseAdmin):
    """A model audited with simple-history: adds the history view with field diffs and revert.
    Deletes, one or many, record their reason as well as their user."""

    def delete_model(self, request, obj):
        obj._change_reason = "Deleted in the admin"
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # One by one, so each history row carries the reason (a bulk delete cannot).
        for obj in queryset:
            obj._history_user = request.user
            obj._change_reason = "Deleted in the admin (several at once)"
            obj.delete()


class ImportLinkMixin:
    """A list whose rows files bring in: an "Import" button opening the import form on the
    list's kind of file (imports have their own pages: preview, apply, revert)."""

    import_kind = ""

    def has_import_file_permission(self, request):
        from imports.services import may_import

        return may_import(request.user, self.import_kind)

    @action(description="Import", icon="upload_file", url_path="import-file",
            permissions=["import_file"])  # fmt: skip
    def import_file(self, request):
        form = reverse("admin:imports_importbatch_new_import")
        return redirect(f"{form}?kind={self.import_kind}")


class ExportAdminMixin(ExportActionMixin):
    """Export with django-import-export in Unfold's style: the list's "Export" page (its filters
    and search apply) and the "Export selected" action, with the admin's `resource_classes`.

    Whoever may view the model may export it. Only the safe formats are offered (never HTML),
    every cell is formula-escaped (`backoffice.exports.ExportResource`). An export of more than
    `exports.BACKGROUND_ABOVE` rows, or every export when `export_in_background` is set, is
    not built in the request: it becomes a report run (csv or xlsx) that a worker writes, and
    the page of that run shows its progress and, when ready, its download link."""

    export_form_class = ExportForm
    show_change_form_export = False  # a change page keeps its own buttons
    change_form_template = None
    export_in_background = False

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_formats(self):
        formats = exports.BACKGROUND_FORMATS if self.export_in_background else exports.SAFE_FORMATS
        return [fmt for fmt in formats if fmt().can_export()]

    def get_valid_export_item_pks(self, request):
        # The chosen rows the user may see: looked up, not the whole table as by default.
        chosen = [pk for pk in request.POST.getlist("export_items") if pk.isdigit()]
        return self.get_queryset(request).filter(pk__in=chosen).values_list("pk", flat=True)

    def export_admin_action(self, request, queryset):
        if request.POST.get("select_across") == "1":
            # Every row the list's filters match: export the filtered list itself rather than
            # carry its ids through a form.
            info = self.model._meta.app_label, self.model._meta.model_name
            url = reverse(f"{self.admin_site.name}:{info[0]}_{info[1]}_export")
            return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
        return super().export_admin_action(request, queryset)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not isinstance(file_format, base_formats.XLSX):
            return super().get_export_data(file_format, request, queryset, **kwargs)
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource_class = self.choose_export_resource_class(kwargs.get("export_form"), request)
        return exports.xlsx_export(resource_class, queryset, actor_of(request))

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        resource_class = self.choose_export_resource_class(export_form, request)
        rows = resource_class().row_count(queryset)
        if self.export_in_background or rows > exports.BACKGROUND_ABOVE:
            return self.export_later(request, resource_class, queryset, file_format, rows)
        return super()._do_file_export(file_format, request, queryset, export_form)

    def export_later(self, request, resource_class, queryset, file_format, rows: int):
        """Request the export as a report run and go to its page. A refusal is a ValueError,
        which the export page shows above its form."""
        run_format = exports.BACKGROUND_FORMATS.get(type(file_format))
        if run_format is None:
            raise ValueError(
                f"An export of more than {exports.BACKGROUND_ABOVE:,} rows is prepared in the "
                "background, as CSV or Excel (xlsx): choose one of those."
            )
        try:
            run = exports.resource_run_request(
                resource_class=resource_class,
                queryset=queryset,
                format=run_format,
                actor=actor_of(request),
            )
        except DomainError as error:
            raise ValueError(str(error)) from error
        messages.success(
            request,
            f"{resource_class.get_display_name()}: {rows:,} rows are being exported in the "
            "background. This page shows the progress and, when the file is ready, its download.",
        )
        return redirect(reverse("admin:reporting_reportrun_change", args=[run.pk]))


class ExportAdmin(ExportAdminMixin, BaseAdmin):
    """A list that is exported."""


class HistoryExportAdmin(ExportAdminMixin, HistoryAdmin):
    """An audited model whose list is exported."""


# Replace Django's own registrations with Unfold-styled ones (axes registers none: AXES_ENABLE_ADMIN
# is off in settings).
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin, BaseAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, BaseAdmin):
    pass


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin, BaseAdmin):
    """Failed logins per username and address; deleting a row lifts its lockout."""


@admin.register(AccessLog)
class AccessLogAdmin(axes_admin.AccessLogAdmin, BaseAdmin):
    pass


from backoffice import admin_store  # noqa: E402, F401  (registers Store settings)
