"""Stripe's webhook events, for the Owner to see what Stripe said and what became of it."""

from django.contrib import admin
from unfold.contrib.filters.admin import ChoicesCheckboxFilter
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

from backoffice.admin import BaseAdmin
from integrations.models import StripeEvent


@admin.register(StripeEvent)
class StripeEventAdmin(BaseAdmin):
    list_display = ("received_at", "type", "event_id", "state_badge", "attempts", "error")
    list_filter = (("state", ChoicesCheckboxFilter), "type")
    list_filter_submit = True
    search_fields = ("event_id", "type")
    paginator = InfinitePaginator
    show_full_result_count = False
    readonly_fields = (
        "event_id",
        "type",
        "state",
        "error",
        "stripe_created_at",
        "received_at",
        "processed_at",
        "attempts",
        "payload",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(
        description="State",
        ordering="state",
        label={
            "processed": "success",
            "ignored": "info",
            "failed": "danger",
            "received": "warning",
        },
    )
    def state_badge(self, obj):
        return obj.state
