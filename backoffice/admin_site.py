"""Unfold callbacks: the sidebar, the environment badge and the dashboard context.

The sidebar is declared once here, area by area. Each entry names a model; it is shown only
when that model is registered in the admin (its app may not even be installed yet) and the
user may view it there, and an area with nothing to show is left out, so every role sees
exactly what it may use. Pages that are no model's list (the Activity page) are a
`SidebarPage`, shown when its own permission check says so.

The Activity page sits under the Dashboard rather than in Administration: the Merchant and
the Accountant read it too, and they are not shown the Administration area.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SidebarEntry:
    model: str  # "app_label.ModelName"
    icon: str  # a Material Symbols name
    title: str = ""  # defaults to the model's plural name


@dataclass(frozen=True)
class SidebarPage:
    url_name: str  # "admin:activity"
    icon: str
    title: str
    permitted: str  # dotted path of a `(request) -> bool`


HOME_PAGES: list[SidebarPage] = [
    SidebarPage(
        "admin:activity", "manage_history", "Activity", "backoffice.activity.can_view_activity"
    ),
]

SIDEBAR_AREAS: list[tuple[str, list[SidebarEntry]]] = [
    (
        "Catalog",
        [
            SidebarEntry("inventory.Product", "inventory_2"),
            SidebarEntry("inventory.ProductVariant", "style", "Variants"),
            SidebarEntry("inventory.Category", "account_tree"),
            SidebarEntry("inventory.TaxClass", "percent"),
            SidebarEntry("imports.ImportBatch", "upload_file", "Imports"),
        ],
    ),
    (
        "Inventory",
        [
            SidebarEntry("inventory.StockLevel", "warehouse", "Stock"),
            SidebarEntry("inventory.StockMovement", "receipt_long", "Stock ledger"),
            SidebarEntry("inventory.Warehouse", "store"),
        ],
    ),
    (
        "Sales",
        [
            SidebarEntry("sales.Order", "shopping_cart"),
            SidebarEntry("sales.Customer", "group"),
            SidebarEntry("sales.Payment", "payments"),
            SidebarEntry("sales.Refund", "undo"),
            SidebarEntry("sales.Invoice", "receipt"),
            SidebarEntry("sales.CreditNote", "receipt_long", "Credit notes"),
            SidebarEntry("sales.Fulfillment", "local_shipping", "Shipments"),
            SidebarEntry("sales.Channel", "storefront"),
        ],
    ),
    (
        "Reports",
        [
            SidebarEntry("reporting.ReportRun", "summarize", "Reports"),
            SidebarEntry("reporting.ReportSchedule", "schedule", "Schedules"),
        ],
    ),
    (
        "Integrations",
        [
            SidebarEntry("integrations.ApiClient", "key", "API keys"),
            SidebarEntry("integrations.StripeEvent", "webhook", "Stripe events"),
        ],
    ),
    (
        "Administration",
        [
            SidebarEntry("backoffice.StoreSettings", "storefront", "Store settings"),
            SidebarEntry("auth.User", "person"),
            SidebarEntry("auth.Group", "badge", "Roles"),
            SidebarEntry("axes.AccessAttempt", "lock_person", "Login attempts"),
            SidebarEntry("axes.AccessLog", "history", "Login log"),
        ],
    ),
]


def _entry_link(request, entry: SidebarEntry | SidebarPage) -> dict | None:
    if isinstance(entry, SidebarPage):
        return _page_link(request, entry)
    try:
        model = apps.get_model(entry.model)
    except LookupError:
        return None  # its app is not installed
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        return None
    opts = model._meta
    return {
        "title": entry.title or str(opts.verbose_name_plural).capitalize(),
        "icon": entry.icon,
        "link": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }


def _page_link(request, page: SidebarPage) -> dict | None:
    permitted: Callable = import_string(page.permitted)
    if not permitted(request):
        return None
    return {"title": page.title, "icon": page.icon, "link": reverse(page.url_name)}


def visible_areas(request) -> list[dict]:
    """The sidebar areas this user may use, each with the links it may follow."""
    areas = []
    for title, entries in SIDEBAR_AREAS:
        links = [link for entry in entries if (link := _entry_link(request, entry))]
        if links:
            areas.append({"title": title, "items": links})
    return areas


def sidebar_navigation(request) -> list[dict]:
    home = {"title": "Dashboard", "icon": "dashboard", "link": reverse("admin:index")}
    pages = [link for page in HOME_PAGES if (link := _page_link(request, page))]
    return [
        {"items": [home, *pages]},
        *({**area, "separator": True} for area in visible_areas(request)),
    ]


def environment_badge(request) -> list[str]:
    return [settings.ENVIRONMENT_NAME, "danger" if settings.PRODUCTION_MODE else "warning"]


def dashboard(request, context: dict) -> dict:
    from reporting.dashboard import dashboard_context

    context["areas"] = visible_areas(request)
    context["role_names"] = sorted(request.user.groups.values_list("name", flat=True))
    context.update(dashboard_context(request.user))
    return context
