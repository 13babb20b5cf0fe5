"""Payments, refunds and shipments: lists to find and read them. They are written only by
the order actions, so nobody adds, edits or deletes them here."""

from django.contrib import admin
from unfold.contrib.filters.admin import ChoicesCheckboxFilter, RangeDateTimeFilter
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

from backoffice.admin import BaseAdmin, HistoryAdmin, ReadOnlyMixin
from sales.models import Fulfillment, Payment, Refund


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = (
        "created_at",
        "order",
        "provider",
        "status_badge",
        "amount",
        "fee",
        "amount_refunded",
        "currency",
        "method",
        "disputed",
    )
    list_filter = (
        ("provider", ChoicesCheckboxFilter),
        ("status", ChoicesCheckboxFilter),
        "disputed",
        ("created_at", RangeDateTimeFilter),
    )
    list_filter_submit = True
    search_fields = ("order__number", "reference", "stripe_payment_intent_id", "stripe_charge_id")
    list_select_related = ("order",)
    paginator = InfinitePaginator
    show_full_result_count = False

    @display(
        description="Status",
        ordering="status",
        label={"pending": "warning", "succeeded": "success", "failed": "danger"},
    )
    def status_badge(self, obj):
        return obj.status


@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ("created_at", "order", "amount", "currency", "status", "reason", "created_by")
    list_filter = (("status", ChoicesCheckboxFilter), ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    search_fields = ("order__number", "stripe_refund_id", "reason")
    list_select_related = ("order",)
    paginator = InfinitePaginator
    show_full_result_count = False


@admin.register(Fulfillment)
class FulfillmentAdmin(ReadOnlyMixin, BaseAdmin):
    list_display = ("shipped_at", "order", "warehouse", "carrier", "tracking_number", "created_by")
    list_filter = ("warehouse", ("shipped_at", RangeDateTimeFilter))
    list_filter_submit = True
    search_fields = ("order__number", "tracking_number")
    list_select_related = ("order", "warehouse")
    paginator = InfinitePaginator
    show_full_result_count = False
