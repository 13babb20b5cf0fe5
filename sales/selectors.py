"""Reads of orders shared by the admin, the API and reports."""

from django.db.models import Prefetch, QuerySet

from sales.models import Fulfillment, Order, OrderLine, OrderStatus


def channel_order_list(channel_id: int) -> QuerySet[Order]:
    """A channel's orders (drafts excluded) with everything a storefront shows of them, in
    a constant number of queries whatever the page size."""
    return (
        Order.objects.filter(channel_id=channel_id)
        .exclude(status=OrderStatus.DRAFT)
        .select_related("customer", "shipping_address", "billing_address")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id")),
            Prefetch(
                "fulfillments",
                queryset=Fulfillment.objects.select_related("warehouse").order_by("id"),
            ),
        )
        .order_by("updated_at", "id")
    )
