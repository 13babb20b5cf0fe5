"""Stock admin: the stock page with its operations (receive, adjust, count, transfer) and the
read-only ledger. Every operation is a form that calls one stock service. The stock page is
exported (`inventory.resources.StockResource`)."""

from django import forms as django_forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.contrib.filters.admin import (
    ChoicesCheckboxFilter,
    RangeDateTimeFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from backoffice.admin import BaseAdmin, ExportAdmin, ImportLinkMixin
from backoffice.admin_services import actor_of, report_domain_errors
from inventory import forms, services
from inventory.models import ProductVariant, StockLevel, StockMovement
from inventory.resources import StockResource


class AvailabilityFilter(admin.SimpleListFilter):
    title = "availability"
    parameter_name = "availability"

    def lookups(self, request, model_admin):
        return [("low", "Low (at or below reorder point)"), ("out", "Out of stock")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.low()
        if self.value() == "out":
            return queryset.out_of_stock()
        return queryset


def _operation(form_class, title: str, submit: str, run):
    """An admin row action: a form page for one stock row, calling `run` when valid."""

    def view(model_admin, request, object_id):
        level = get_object_or_404(
            StockLevel.objects.select_related("variant__product", "warehouse"), pk=object_id
        )
        extra = {"from_warehouse": level.warehouse} if form_class is forms.TransferForm else {}
        form = form_class(request.POST or None, **extra)
        if form.is_valid():
            data = {**form.cleaned_data, "variant": level.variant, "actor": actor_of(request)}
            if report_domain_errors(request, lambda: run(level, data)):
                messages.success(
                    request, f"{title}: {level.variant.label} @ {level.warehouse.code}."
                )
                return redirect(reverse("admin:inventory_stocklevel_changelist"))
        return model_admin.render_operation(
            request, form, f"{title} — {level.variant}", submit, level
        )

    return view


def _summary(level: StockLevel) -> list[tuple[str, object]]:
    return [
        ("Variant", level.variant),
        ("Warehouse", level.warehouse),
        ("On hand", level.on_hand),
        ("Allocated", level.allocated),
        ("Available", level.available),
    ]


def _named_variant(request) -> ProductVariant | None:
    """The variant a link from its page names (`?variant=<id>`), if it exists."""
    value = request.GET.get("variant", "")
    if not value.isdigit():
        return None
    return ProductVariant.objects.select_related("product").filter(pk=value).first()


def _common(data) -> dict:
    return {k: data[k] for k in ("variant", "actor", "reference", "note")}


@admin.register(StockLevel)
class StockLevelAdmin(ImportLinkMixin, ExportAdmin):
    import_kind = "stock"
    resource_classes = [StockResource]
    list_display = (
        "sku",
        "product_title",
        "warehouse",
        "on_hand",
        "allocated",
        "available_display",
        "reorder_point",
        "state",
    )
    list_display_links = None
    list_filter = (("warehouse", RelatedDropdownFilter), AvailabilityFilter)
    list_filter_submit = True
    search_fields = ("variant__sku", "variant__barcode", "variant__product__title")
    list_select_related = ("variant__product", "warehouse")
    ordering = ("variant__product__title", "variant_id", "warehouse_id")
    paginator = InfinitePaginator
    show_full_result_count = False
    actions_row = ("receive", "adjust", "count", "transfer")
    actions_list = ("receive_new", "import_file")
    fields = ("variant", "warehouse", "on_hand", "allocated", "reorder_point", "reorder_quantity")
    readonly_fields = ("variant", "warehouse", "on_hand", "allocated")

    def get_queryset(self, request):
        return super().get_queryset(request).with_available()

    def has_move_stock_permission(self, request, obj=None):
        """Receiving, adjusting, counting and transferring is "changing" a stock row."""
        return self.has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # stock rows appear when stock is first received

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description="SKU", ordering="variant__sku")
    def sku(self, obj):
        return obj.variant.label

    @display(description="Product", ordering="variant__product__title")
    def product_title(self, obj):
        return obj.variant.product.title

    @display(description="Available", ordering="available_n")
    def available_display(self, obj):
        return obj.available_n

    @display(description="State", label={"Out": "danger", "Low": "warning", "In stock": "success"})
    def state(self, obj):
        if obj.available_n <= 0:
            return "Out"
        if obj.reorder_point and obj.available_n <= obj.reorder_point:
            return "Low"
        return "In stock"

    def render_operation(self, request, form, title, submit, level=None, summary=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "summary": _summary(level) if level else summary,
            "submit_label": submit,
            "cancel_url": reverse("admin:inventory_stocklevel_changelist"),
        }
        return TemplateResponse(request, "backoffice/action_form.html", context)

    receive = action(
        description="Receive", url_path="receive", permissions=["move_stock"], icon="add_box"
    )(
        _operation(
            forms.ReceiveForm,
            "Receive stock",
            "Receive",
            lambda level, d: services.stock_receive(
                warehouse=level.warehouse, quantity=d["quantity"], **_common(d)
            ),
        )
    )
    adjust = action(
        description="Adjust", url_path="adjust", permissions=["move_stock"], icon="tune"
    )(
        _operation(
            forms.AdjustForm,
            "Adjust stock",
            "Adjust",
            lambda level, d: services.stock_adjust(
                warehouse=level.warehouse, delta=d["delta"], reason=d["reason"], **_common(d)
            ),
        )
    )
    count = action(
        description="Count", url_path="count", permissions=["move_stock"], icon="fact_check"
    )(
        _operation(
            forms.CountForm,
            "Count stock",
            "Record count",
            lambda level, d: services.stock_count(
                warehouse=level.warehouse, quantity=d["quantity"], **_common(d)
            ),
        )
    )
    transfer = action(
        description="Transfer",
        url_path="transfer",
        permissions=["move_stock"],
        icon="local_shipping",
    )(
        _operation(
            forms.TransferForm,
            "Transfer stock",
            "Transfer",
            lambda level, d: services.stock_transfer(
                from_warehouse=level.warehouse,
                to_warehouse=d["to_warehouse"],
                quantity=d["quantity"],
                **_common(d),
            ),
        )
    )

    @action(
        description="Receive stock",
        url_path="receive-new",
        icon="add_box",
        permissions=["move_stock"],
    )
    def receive_new(self, request):
        """Receive any variant (with or without a SKU) into any active warehouse; opened from
        a variant's page (`?variant=<id>`) it names that variant."""
        named = _named_variant(request)
        initial = {"variant": named.pk} if named else {}
        form = forms.ReceiveNewForm(request.POST or None, initial=initial)
        if named is not None:
            form.fields["sku"].widget = django_forms.HiddenInput()
        if form.is_valid():
            data = form.cleaned_data
            variant = data["variant"]
            ok = report_domain_errors(
                request,
                lambda: services.stock_receive(
                    variant=variant,
                    warehouse=data["warehouse"],
                    quantity=data["quantity"],
                    actor=actor_of(request),
                    reference=data["reference"],
                    note=data["note"],
                ),
            )
            if ok:
                messages.success(
                    request,
                    f"Received {data['quantity']} × {variant.label} ({variant.product.title}).",
                )
                return redirect(reverse("admin:inventory_stocklevel_changelist"))
        summary = [("Variant", named), ("Barcode", named.barcode or "—")] if named else None
        return self.render_operation(request, form, "Receive stock", "Receive", summary=summary)


@admin.register(StockMovement)
class StockMovementAdmin(BaseAdmin):
    """The ledger: anyone with the view permission reads it; nobody adds, edits or deletes."""

    list_display = (
        "created_at",
        "sku",
        "warehouse",
        "reason_badge",
        "on_hand_delta",
        "allocated_delta",
        "on_hand_after",
        "allocated_after",
        "actor_name",
        "reference",
    )
    list_display_links = None
    list_filter = (
        ("warehouse", RelatedDropdownFilter),
        ("reason", ChoicesCheckboxFilter),
        ("actor_kind", ChoicesCheckboxFilter),
        ("created_at", RangeDateTimeFilter),
    )
    list_filter_submit = True
    search_fields = ("=variant__sku", "reference", "actor_name")
    list_select_related = ("variant__product", "warehouse")
    paginator = InfinitePaginator
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description="SKU", ordering="variant__sku")
    def sku(self, obj):
        return obj.variant.label

    @display(description="Reason", ordering="reason", label=True)
    def reason_badge(self, obj):
        return obj.get_reason_display()
