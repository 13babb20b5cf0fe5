"""The Activity page, /admin/activity/: the newest changes to every audited model, newest first.

Audited models are the ones kept with simple-history (found in its registry, so a new one
shows up here by itself). Each row says when, who (a person; or the API client or system task
named in the change reason, see below), what (the object, linked to its page while it exists),
the action, the reason, the fields changed, and links to that version in the object's history.

Who may read it: any active staff member who may view at least one audited model in the
admin, and each sees only the changes to the models they may view there. That opens the page
to the Owner, the Accountant (orders, payments, invoices) and the Merchant (who changed this
product?) without a permission of its own, and the page never shows a change to a row the
admin would not show that person. Audited models without an admin page of their own (product
images, edited inside their product) follow their own view or change permission and are
listed without links. Anyone else gets a 403 (the admin sends the signed-out to its login).

Who made a change: simple-history keeps the user for people. For an API client or a system
task (a Celery task, a command, Stripe) the services leave no user and end the reason with
" (<name> (API client))" or " (<name> (System))" (`backoffice.history.save_with_reason`);
that suffix is read back here, and the "API clients" and "System" filters match it in SQL.

Cost: each audited model gives at most one page (plus one row) of its newest history rows,
filtered in SQL and read by simple-history's `history_date` index; the rows are merged in
Python and cut to the page. One query per model the user may read, plus, per model on the
page, one to learn which objects still exist and one for the previous versions the field
changes are computed from: a constant, whatever the tables hold. The "Older" link is a keyset
on (date, model, history id), so page 100 costs what page 1 does.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_permission_codename, get_user_model
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.text import Truncator, capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import registered_models
from unfold.widgets import DATETIME_CLASSES, UnfoldAdminSelectWidget

from backoffice.actors import ActorKind

PAGE_SIZE = 50
CHANGES_SHOWN = 6  # field changes listed per row; the version page has them all
VALUE_CHARS = 60

WHO_API = "api"
WHO_SYSTEM = "system"
ACTIONS = {"+": ("+", "created"), "~": ("~", "changed"), "-": ("−", "deleted")}


# --- who made a change ------------------------------------------------------------------------


def _actor_suffix(kind: str) -> str:
    return f" ({ActorKind(kind).label}))"


def split_reason(reason: str | None) -> tuple[str, str, str]:
    """(kind label, name, reason) of a reason written for an API client or the system, as
    `save_with_reason` writes it: "Placed (Web shop (ab12cd) (API client))" gives
    ("API client", "Web shop (ab12cd)", "Placed"). Any other reason gives ("", "", reason)."""
    reason = reason or ""
    for kind in (ActorKind.API_CLIENT, ActorKind.SYSTEM):
        suffix = _actor_suffix(kind)
        if not reason.endswith(suffix):
            continue
        body, depth = reason[: -len(suffix)], 0
        # The name may hold parentheses of its own: find the one that opens it.
        for i in range(len(body) - 1, -1, -1):
            if body[i] == ")":
                depth += 1
            elif body[i] == "(" and depth:
                depth -= 1
            elif body[i] == "(":
                if body[i - 1 : i] == " ":
                    return ActorKind(kind).label, body[i + 1 :], body[: i - 1]
                break
    return "", "", reason


# --- which models, for whom ---------------------------------------------------------------------


@dataclass(frozen=True)
class Audited:
    model: type[models.Model]
    history: type[models.Model]  # simple-history's historical model
    model_admin: object | None  # None: no admin page of its own

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def name(self) -> str:
        return capfirst(str(self.model._meta.verbose_name))

    @property
    def title(self) -> str:
        return capfirst(str(self.model._meta.verbose_name_plural))


def _has_model_permission(user, opts) -> bool:
    return any(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


def audited_models(request) -> list[Audited]:
    """The models kept with simple-history that this user may view in the admin."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return []
    found = {}
    for model in registered_models.values():
        attribute = getattr(model._meta, "simple_history_manager_attribute", None)
        if attribute is None or model._meta.label_lower in found:
            continue  # a many-to-many history table, or seen already
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            permitted = model_admin.has_view_or_change_permission(request)
        else:
            permitted = _has_model_permission(user, model._meta)
        if permitted:
            history = getattr(model, attribute).model
            found[model._meta.label_lower] = Audited(model, history, model_admin)
    return [found[key] for key in sorted(found)]


def can_view_activity(request) -> bool:
    return bool(audited_models(request))


# --- the filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: rows strictly older than this one come next."""

    when: datetime
    key: str  # the model's "app_label.modelname"
    history_id: object

    def encode(self) -> str:
        return f"{self.when.astimezone(UTC).isoformat()}|{self.key}|{self.history_id}"


def _date_input():
    return forms.DateInput(
        attrs={"type": "date", "class": " ".join(DATETIME_CLASSES)}, format="%Y-%m-%d"
    )


class ActivityFilterForm(forms.Form):
    who = forms.ChoiceField(required=False, widget=UnfoldAdminSelectWidget)
    model = forms.ChoiceField(label="What", required=False, widget=UnfoldAdminSelectWidget)
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, audited: list[Audited], users):
        super().__init__(data)
        # "from" and "to" are the query's names, and not valid Python names.
        self.fields["from"] = forms.DateField(label="From", required=False, widget=_date_input())
        self.fields["to"] = forms.DateField(label="To", required=False, widget=_date_input())
        self.order_fields(["who", "model", "from", "to", "before"])
        self.audited = {a.key: a for a in audited}
        people = [(f"user:{u.pk}", _user_label(u)) for u in users]
        cast(forms.ChoiceField, self.fields["who"]).choices = [
            ("", "Anyone"),
            (WHO_API, "API clients"),
            (WHO_SYSTEM, "System"),
            ("People", people),
        ]
        cast(forms.ChoiceField, self.fields["model"]).choices = [("", "Every model")] + [
            (a.key, a.title) for a in sorted(audited, key=lambda a: a.title)
        ]

    def clean_before(self) -> Cursor | None:
        value = self.cleaned_data["before"]
        if not value:
            return None
        try:
            when, key, history_id = value.split("|", 2)
            when = datetime.fromisoformat(when)
            if timezone.is_naive(when):
                raise ValueError
            audited = self.audited.get(key)
            if audited is not None:
                history_id = audited.history._meta.pk.to_python(history_id)
        except (ValueError, forms.ValidationError):
            raise forms.ValidationError(
                "This page link is broken: start from the newest."
            ) from None
        return Cursor(when, key, history_id)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", "The end date comes before the start date.")
        return data


def _user_label(user) -> str:
    full_name = user.get_full_name()
    return f"{user.get_username()} ({full_name})" if full_name else user.get_username()


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _row_filter(audited: Audited, data: dict) -> Q:
    """The SQL filter of one model's history rows: who, when, and after the cursor."""
    q = Q()
    who = data.get("who") or ""
    if who.startswith("user:"):
        q &= Q(history_user_id=who.removeprefix("user:"))
    elif who in (WHO_API, WHO_SYSTEM):
        kind = ActorKind.API_CLIENT if who == WHO_API else ActorKind.SYSTEM
        q &= Q(history_user_id__isnull=True, history_change_reason__endswith=_actor_suffix(kind))
    if data.get("from"):
        q &= Q(history_date__gte=_day_start(data["from"]))
    if data.get("to"):
        q &= Q(history_date__lt=_day_start(data["to"] + timedelta(days=1)))
    cursor = data.get("before")
    if cursor is not None:
        if audited.key < cursor.key:
            q &= Q(history_date__lte=cursor.when)
        elif audited.key == cursor.key:
            q &= Q(history_date__lt=cursor.when) | Q(
                history_date=cursor.when, history_id__lt=cursor.history_id
            )
        else:
            q &= Q(history_date__lt=cursor.when)
    return q


# --- the rows ---------------------------------------------------------------------------------


@dataclass
class ActivityRow:
    audited: Audited
    record: Any  # the historical row (a model simple-history makes, with its own fields)
    when: datetime
    who: str
    kind: str  # "User", "API client", "System", or "" when nobody was recorded
    what: str
    action: str
    action_label: str
    reason: str
    what_url: str | None = None
    reason_url: str | None = None
    diff_url: str | None = None
    changes: list[dict] = field(default_factory=list)
    more_changes: int = 0

    @property
    def sort_key(self) -> tuple:
        return (self.when, self.audited.key, self.record.pk)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.when, self.audited.key, self.record.pk)


def _foreign_keys(history) -> list[str]:
    return [f.name for f in history.tracked_fields if isinstance(f, models.ForeignKey)]


def _newest_records(audited: Audited, data: dict, limit: int) -> list:
    history = audited.history
    pk_name = audited.model._meta.pk.attname
    previous = (
        history._default_manager.filter(
            **{pk_name: OuterRef(pk_name)}, history_date__lt=OuterRef("history_date")
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    related = _foreign_keys(history)
    try:
        if isinstance(history._meta.get_field("history_user"), models.ForeignKey):
            related.append("history_user")
    except FieldDoesNotExist:
        pass
    rows = (
        history._default_manager.filter(_row_filter(audited, data))
        .select_related(*related)
        .annotate(previous_history_id=Subquery(previous))
        .order_by("-history_date", "-history_id")
    )
    return list(rows[:limit])


def _object_label(audited: Audited, record) -> str:
    """The object as it was at that version, named without a query: the related rows its
    name may need were joined in with the history row."""
    obj = record.history_object
    for name in _foreign_keys(audited.history):
        setattr(obj, name, getattr(record, name))
    try:
        return str(obj)
    except ObjectDoesNotExist:
        return f"{audited.model._meta.verbose_name} #{obj.pk}"


def _who(record) -> tuple[str, str, str]:
    """(who, kind, reason) of a history row."""
    kind, name, reason = split_reason(record.history_change_reason)
    user_id = getattr(record, "history_user_id", None)
    if user_id is not None:
        user = record.history_user
        who = user.get_username() if user is not None else f"user #{user_id}"
        return who, ActorKind.USER.label, record.history_change_reason or ""
    return name, kind, reason


def _shown(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field.choices:
        value = dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    return Truncator(" ".join(str(value).split())).chars(VALUE_CHARS)


def _changes(audited: Audited, record, previous) -> list[dict]:
    delta = record.diff_against(previous)
    shown = []
    for change in delta.changes:
        # A history diff names the model's own fields, never reverse relations.
        model_field = cast(models.Field, audited.model._meta.get_field(change.field))
        entry = {"field": capfirst(model_field.verbose_name)}
        if not model_field.is_relation:  # a related row's name would cost a query
            entry.update(old=_shown(model_field, change.old), new=_shown(model_field, change.new))
        shown.append(entry)
    return shown


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _import_link(request):
    """Import #<id> in a reason links to that import, once imports exist and may be viewed."""
    try:
        model = apps.get_model("imports", "ImportBatch")
    except LookupError:
        return None
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        return None
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_change"


def _reason_url(import_url_name: str | None, reason: str) -> str | None:
    if import_url_name is None or not reason.startswith("Import #"):
        return None
    number = reason.removeprefix("Import #").split(":", 1)[0]
    return _url(import_url_name, number) if number.isdigit() else None


def activity_rows(request, audited: list[Audited], data: dict) -> tuple[list[ActivityRow], bool]:
    """One page of changes, newest first, and whether older ones exist."""
    if data.get("model"):
        audited = [a for a in audited if a.key == data["model"]]
    rows = []
    for entry in audited:
        for record in _newest_records(entry, data, PAGE_SIZE + 1):
            who, kind, reason = _who(record)
            symbol, label = ACTIONS.get(record.history_type, (record.history_type, ""))
            rows.append(
                ActivityRow(
                    audited=entry,
                    record=record,
                    when=record.history_date,
                    who=who,
                    kind=kind,
                    what=_object_label(entry, record),
                    action=symbol,
                    action_label=label,
                    reason=reason,
                )
            )
    rows.sort(key=lambda row: row.sort_key, reverse=True)
    has_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    _add_links(request, rows)
    return rows, has_older


def _add_links(request, rows: list[ActivityRow]) -> None:
    """Links to the objects still there, to each version, and the field changes: a query or
    two per model on the page."""
    import_url_name = _import_link(request)
    by_model: dict[str, list[ActivityRow]] = {}
    for row in rows:
        by_model.setdefault(row.audited.key, []).append(row)
        row.reason_url = _reason_url(import_url_name, row.reason)
    for model_rows in by_model.values():
        audited = model_rows[0].audited
        opts = audited.model._meta
        if audited.model_admin is not None:
            ids = {getattr(row.record, opts.pk.attname) for row in model_rows}
            existing = set(
                audited.model._base_manager.filter(pk__in=ids)
                .order_by()
                .values_list("pk", flat=True)
            )
            for row in model_rows:
                object_id = getattr(row.record, opts.pk.attname)
                if object_id in existing:
                    row.what_url = _url(
                        f"admin:{opts.app_label}_{opts.model_name}_change", object_id
                    )
                if isinstance(audited.model_admin, SimpleHistoryAdmin):
                    row.diff_url = _url(
                        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
                        object_id,
                        row.record.pk,
                    )
        previous_ids = {
            row.record.previous_history_id
            for row in model_rows
            if row.record.history_type == "~" and row.record.previous_history_id is not None
        }
        if previous_ids:
            previous = audited.history._default_manager.in_bulk(list(previous_ids))
            for row in model_rows:
                before = previous.get(row.record.previous_history_id)
                if row.record.history_type == "~" and before is not None:
                    changes = _changes(audited, row.record, before)
                    row.changes = changes[:CHANGES_SHOWN]
                    row.more_changes = max(len(changes) - CHANGES_SHOWN, 0)


# --- the page ---------------------------------------------------------------------------------


def activity_view(request):
    audited = audited_models(request)
    if not audited:
        raise PermissionDenied
    users = get_user_model()._default_manager.order_by("username")
    form = ActivityFilterForm(request.GET, audited=audited, users=users)
    rows: list[ActivityRow] = []
    older_url, newest_url = None, None
    if form.is_valid():
        rows, has_older = activity_rows(request, audited, form.cleaned_data)
        query = request.GET.copy()
        query.pop("before", None)
        if form.cleaned_data["before"] is not None:
            newest_url = f"?{query.urlencode()}"
        if has_older:
            query["before"] = rows[-1].cursor.encode()
            older_url = f"?{query.urlencode()}"
    context = {
        **admin.site.each_context(request),
        "title": "Activity",
        "headers": ["When", "Who", "What", "Action", "Reason", "Changes"],
        "form": form,
        "rows": rows,
        "older_url": older_url,
        "newest_url": newest_url,
        "filtered": any(request.GET.get(name) for name in ("who", "model", "from", "to")),
    }
    return TemplateResponse(request, "backoffice/activity.html", context)


def admin_urls() -> list:
    """The admin site's own pages beyond the models' (Unfold's `extra_urls` hook)."""
    return [path("activity/", admin.site.admin_view(activity_view), name="activity")]
