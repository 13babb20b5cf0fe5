"""Base admin classes for every app, and Django's users and groups in the Unfold style.

Apps subclass one of the three bases so that every page shares the same look and limits:
`BaseAdmin` (plain), `HistoryAdmin` (models with simple-history: history view, diffs,
revert) and `ImportExportAdmin` (history plus django-import-export with Unfold's forms).
A list with costly computed columns declares them in `annotate_page`; see
`PageAnnotatedChangeList`.
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.shortcuts import redirect
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.views import ChangeList

from backoffice.exceptions import DomainError


class PageAnnotatedChangeList(ChangeList):
    """A changelist that computes its admin's `annotate_page` columns for the rows of the page
    only. Annotated on the whole queryset, PostgreSQL would compute them for every row an
    OFFSET skips, so page 500 of a large catalog would cost 500 pages. Sorting by one of those
    columns needs them on every row, and gets them there."""

    annotated_in_full = False

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
    """A model audited with simple-history: adds the history view with field diffs and revert."""


class ImportExportAdmin(BaseAdmin, ImportExportModelAdmin, SimpleHistoryAdmin):
    """An audited model that merchants also import and export in bulk."""

    import_form_class = ImportForm
    export_form_class = ExportForm


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
