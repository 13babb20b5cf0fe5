"""Customers and orders as files: the export resources, and the column names an import reads
back.

- customers: `CUSTOMER_COLUMNS`, one row per customer. The internal notes and the Stripe
  customer id stay out.
- orders: `ORDER_LINE_COLUMNS`, one row per order line with its order's fields repeated on each
  (an order without lines has no row). Never the internal notes.

Text that a spreadsheet would run as a formula is written with a leading quote.
"""

from django.db.models import Prefetch
from import_export.fields import Field

from backoffice.exports import ExportResource
from sales.models import Customer, Order, OrderLine

CUSTOMER_COLUMNS = ("email", "first_name", "last_name", "phone", "created_at")
ORDER_FIELDS = (
    "order_number",
    "placed_at",
    "channel",  # the channel's code
    "customer_email",
    "status",
    "payment_status",
    "fulfilment_status",
    "currency",
)
LINE_FIELDS = (
    "sku",
    "title",
    "options",
    "quantity",
    "unit_price",
    "discount",  # off the whole line
    "tax_rate",  # percent
    "tax",
    "line_total",  # after the discount, with tax
)
ORDER_LINE_COLUMNS = ORDER_FIELDS + LINE_FIELDS


def _order(path: str, column: str) -> Field:
    return Field(attribute=f"order__{path}", column_name=column)


class CustomerResource(ExportResource):
    export_title = "Customers"
    columns = CUSTOMER_COLUMNS
    kinds = {"created_at": "datetime"}
    source_model = Customer
    source_order = ("email", "id")
    background_kind = "export_customers"

    class Meta:
        model = Customer
        fields = CUSTOMER_COLUMNS
        export_order = CUSTOMER_COLUMNS


class OrderLineResource(ExportResource):
    """Orders with their lines: one row per line."""

    export_title = "Orders with lines (one row per line)"
    columns = ORDER_LINE_COLUMNS
    kinds = {
        "placed_at": "datetime",
        "quantity": "int",
        "unit_price": "money",
        "discount": "money",
        "tax_rate": "decimal",
        "tax": "money",
        "line_total": "money",
    }
    source_model = Order
    source_order = ("created_at", "id")
    background_kind = "export_orders"

    order_number = _order("number", "order_number")
    placed_at = _order("placed_at", "placed_at")
    channel = _order("channel__code", "channel")
    customer_email = _order("customer__email", "customer_email")
    status = _order("status", "status")
    payment_status = _order("payment_status", "payment_status")
    fulfilment_status = _order("fulfilment_status", "fulfilment_status")
    currency = _order("currency", "currency")
    line_total = Field(attribute="total", column_name="line_total")

    class Meta:
        model = OrderLine
        fields = ORDER_LINE_COLUMNS
        export_order = ORDER_LINE_COLUMNS

    def prepare(self, sources):
        lines = OrderLine.objects.order_by("position", "id")
        return (
            super()
            .prepare(sources)
            .select_related("channel", "customer")
            .prefetch_related(Prefetch("lines", queryset=lines))
        )

    def expand(self, order):
        return order.lines.all()  # prefetched, each with its order

    def count_rows(self, sources):
        return OrderLine.objects.filter(order__in=sources.values("pk")).count()
