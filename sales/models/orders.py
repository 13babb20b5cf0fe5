"""Orders, their lines and stock allocations, fulfilments, notes and the order timeline.

Quantities and money on these rows change only through `sales.services`; the constraints
below hold the same rules in the database.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from backoffice.actors import ActorKind
from backoffice.money import MoneyField, store_currency
from inventory.models import ProductVariant, Warehouse
from sales.models.customers import Address, Channel, Customer


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PLACED = "placed", "Placed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class PaymentState(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


class FulfilmentState(models.TextChoices):
    UNFULFILLED = "unfulfilled", "Unfulfilled"
    PARTIAL = "partial", "Partially fulfilled"
    FULFILLED = "fulfilled", "Fulfilled"


# Orders that count as sold: placed or completed, never drafts or cancelled ones.
SOLD_STATUSES = (OrderStatus.PLACED, OrderStatus.COMPLETED)


class OrderQuerySet(models.QuerySet):
    def sold(self) -> "OrderQuerySet":
        """Orders that count as sales, for every report, figure and list that counts them."""
        return self.filter(status__in=SOLD_STATUSES)


class OrderLineQuerySet(models.QuerySet):
    def sold(self) -> "OrderLineQuerySet":
        """Lines of orders that count as sales (`Order.objects.sold()`)."""
        return self.filter(order__status__in=SOLD_STATUSES)


class Order(models.Model):
    number = models.CharField(max_length=30, unique=True)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    # Who the order is for, as the order was given: a document keeps what it said, and an
    # order placed with a known email never shows (nor changes) the customer's own record.
    customer_email = models.EmailField(blank=True)
    customer_first_name = models.CharField(max_length=150, blank=True)
    customer_last_name = models.CharField(max_length=150, blank=True)
    shipping_address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    billing_address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT, db_index=True
    )
    payment_status = models.CharField(
        max_length=20, choices=PaymentState.choices, default=PaymentState.UNPAID, db_index=True
    )
    fulfilment_status = models.CharField(
        max_length=12,
        choices=FulfilmentState.choices,
        default=FulfilmentState.UNFULFILLED,
        db_index=True,
    )
    currency = models.CharField(max_length=3, default=store_currency)
    # Whether the catalog prices on the lines include tax: fixed when the order is created.
    prices_include_tax = models.BooleanField(default=False)
    subtotal = MoneyField(default=0, help_text="Lines before discounts.")
    discount = MoneyField(default=0)
    shipping = MoneyField(
        default=0, help_text="Shipping as priced: with tax when prices include tax."
    )
    # The shipping tax class's rate (and exemption) when the order was last priced.
    shipping_tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    shipping_tax_exempt = models.BooleanField(default=False)
    shipping_tax = MoneyField(default=0)
    tax = MoneyField(default=0, help_text="Tax of the lines and shipping.")
    total = MoneyField(default=0)
    # Amounts settled so far, kept by the payment services so checks need no sums.
    amount_paid = MoneyField(default=0)
    amount_refunded = MoneyField(default=0)
    source_reference = models.CharField(
        max_length=200, blank=True, help_text="The order's number or id in the channel."
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    placed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    objects = OrderQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "idempotency_key"], name="order_idempotency_key_per_channel"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_paid")),
                name="order_refunds_within_payments",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_refunded__gte=0),
                name="order_settled_amounts_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="order_by_customer")]

    def __str__(self) -> str:
        return self.number

    @property
    def shipping_net(self):
        return self.shipping - self.shipping_tax if self.prices_include_tax else self.shipping

    @property
    def balance_due(self):
        return self.total - self.amount_paid + self.amount_refunded

    @property
    def is_draft(self) -> bool:
        return self.status == OrderStatus.DRAFT


class OrderLine(models.Model):
    """A variant sold, with a snapshot of what it was when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.PROTECT, related_name="order_lines"
    )
    sku = models.CharField("SKU", max_length=255, blank=True)
    title = models.CharField(max_length=255)
    options = models.CharField(max_length=255, blank=True)
    unit_price = MoneyField()
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    # From the tax class the line was priced with: its exemption and its note for invoices.
    tax_exempt = models.BooleanField(default=False)
    tax_note = models.CharField(max_length=300, blank=True)
    quantity = models.PositiveIntegerField()
    discount = MoneyField(default=0, help_text="Off the whole line.")
    subtotal = MoneyField(default=0, help_text="Unit price × quantity.")
    tax = MoneyField(default=0)
    total = MoneyField(default=0, help_text="After discount, with tax.")
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    # Refunded before shipping: released, never to be shipped.
    quantity_cancelled = models.PositiveIntegerField(default=0)
    # Refunded after shipping: sent back (and restocked, or not).
    quantity_returned = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)

    objects = OrderLineQuerySet.as_manager()

    class Meta:
        ordering = ["order_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_fulfilled") + F("quantity_cancelled")),
                name="line_shipped_and_cancelled_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=F("quantity_fulfilled")),
                name="line_returns_within_shipped",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(discount__gte=0),
                name="line_price_and_discount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku or self.title}"

    @property
    def description(self) -> str:
        return f"{self.title} — {self.options}" if self.options else self.title

    @property
    def net(self):
        """The line after discount, without tax."""
        return self.total - self.tax

    @property
    def quantity_open(self) -> int:
        """Units still to ship."""
        return self.quantity - self.quantity_fulfilled - self.quantity_cancelled

    @property
    def quantity_refunded(self) -> int:
        return self.quantity_cancelled + self.quantity_returned


class LineAllocation(models.Model):
    """Units of a line reserved in one warehouse (mirrored by the stock ledger)."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["line_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "warehouse"], name="one_allocation_per_warehouse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id} @ {self.warehouse_id}"


class Fulfillment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="fulfillments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=200, blank=True)
    shipped_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["order_id", "id"]

    def __str__(self) -> str:
        return f"Shipment {self.pk} of {self.order_id}"


class FulfillmentLine(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipped_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", "Internal"
    CUSTOMER = "customer", "Visible to the customer"


class OrderNote(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField()
    visibility = models.CharField(
        max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    author = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:60]


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    PLACED = "placed", "Placed"
    PAYMENT_LINK = "payment_link", "Payment link sent"
    PAID = "paid", "Payment received"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    FULFILLED = "fulfilled", "Shipped"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    REFUND_UPDATED = "refund_updated", "Refund updated"
    DISPUTE = "dispute", "Dispute opened"
    INVOICED = "invoiced", "Invoice issued"
    CREDIT_NOTE = "credit_note", "Credit note issued"
    DOCUMENT_SENT = "document_sent", "Document sent"
    NOTE = "note", "Note"


class OrderEvent(models.Model):
    """The order's timeline: one row per thing that happened to it, never changed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    message = models.CharField(max_length=500)
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    actor_name = models.CharField(max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_id", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"
