"""Base admin classes for every app, and Django's users and groups in the Unfold style.

Apps subclass one of the three bases so that every page shares the same look and limits:
`BaseAdmin` (plain), `HistoryAdmin` (models with simple-history: history view, diffs,
revert) and `ImportExportAdmin` (history plus django-import-export with Unfold's forms).
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm


class BaseAdmin(ModelAdmin):
    """Every Backoffice admin page."""

    list_per_page = 50
    list_max_show_all = 500
    warn_unsaved_form = True
    compressed_fields = True


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
