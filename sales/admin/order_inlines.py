"""The order page's tabs: its lines (editable while a draft) and the read-only records the
services write (payments, shipments, refunds, notes, the timeline)."""

from django import forms
from unfold.admin import TabularInline

from sales.models import (
    Fulfillment,
    OrderEvent,
    OrderLine,
    OrderNote,
    OrderStatus,
    Payment,
    Refund,
)


class OrderLineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            variant = form.cleaned_data.get("variant")
            if variant is not None and variant.pk in seen:
                raise forms.ValidationError(f"{variant.label} is on the order twice: use one line.")
            if variant is not None:
                seen.add(variant.pk)


class OrderLineInline(TabularInline):
    """Editable on a draft (variant, quantity, discount); a read-only record afterwards."""

    model = OrderLine
    formset = OrderLineFormSet
    extra = 0
    tab = True
    autocomplete_fields = ("variant",)
    draft_fields = ("variant", "quantity", "discount", "unit_price", "tax_rate", "total")
    placed_fields = (
        "sku",
        "description",
        "unit_price",
        "quantity",
        "discount",
        "tax_rate",
        "tax",
        "total",
        "quantity_fulfilled",
        "quantity_cancelled",
        "quantity_returned",
    )

    def _draft(self, obj) -> bool:
        return obj is None or obj.status == OrderStatus.DRAFT

    def get_fields(self, request, obj=None):
        return self.draft_fields if self._draft(obj) else self.placed_fields

    def get_readonly_fields(self, request, obj=None):
        if self._draft(obj):
            return ("unit_price", "tax_rate", "total")
        return self.placed_fields

    # Lines are part of the order: whoever may change orders edits a draft's lines.
    def _may_edit(self, request, obj) -> bool:
        return self._draft(obj) and request.user.has_perm("sales.change_order")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("sales.view_order")

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant__product")


class RecordInline(TabularInline):
    """A read-only tab of rows the services write, shown to whoever may view the order."""

    extra = 0
    tab = True
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("sales.view_order")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentInline(RecordInline):
    model = Payment
    fields = ("created_at", "provider", "status", "amount", "fee", "amount_refunded", "method")


class FulfillmentInline(RecordInline):
    model = Fulfillment
    fields = ("shipped_at", "warehouse", "carrier", "tracking_number", "created_by")
    verbose_name_plural = "Shipments"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("warehouse")


class RefundInline(RecordInline):
    model = Refund
    fields = ("created_at", "amount", "status", "reason", "created_by")


class OrderNoteInline(RecordInline):
    model = OrderNote
    fields = ("created_at", "visibility", "body", "author")


class OrderEventInline(RecordInline):
    model = OrderEvent
    fields = ("created_at", "kind", "message", "actor_name")
    verbose_name_plural = "Timeline"
