"""What the integrations keep: storefront API keys and their idempotent order submissions,
the change log the API's sync feed reads, Stripe's webhook events, and the webhooks sent to
storefronts (endpoints, messages and each attempt to deliver them)."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from sales.models import Channel, Order, OrderEvent


class Scope(models.TextChoices):
    CATALOG_READ = "catalog:read", "Read the catalog"
    STOCK_READ = "stock:read", "Read stock"
    ORDERS_READ = "orders:read", "Read the channel's orders"
    ORDERS_WRITE = "orders:write", "Submit orders"


class ApiClient(models.Model):
    """A storefront's key to the API. The secret is shown once and kept only as a hash; the
    prefix, shown everywhere, says which key a request used."""

    name = models.CharField(max_length=200)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="api_clients")
    scopes = models.JSONField(default=list)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = "API key"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ApiOrderRequest(models.Model):
    """An order submitted with an Idempotency-Key: the same key again answers with the same
    order; the same key with another body is a conflict."""

    api_client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_client", "key"], name="one_order_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.order_id}"


class ChangeKind(models.TextChoices):
    CATEGORY = "category", "Category"
    PRODUCT = "product", "Product"
    VARIANT = "variant", "Variant"
    STOCK = "stock", "Stock of a variant"
    ORDER = "order", "Order"


class Change(models.Model):
    """One row written, in the same transaction, whenever a product, variant, stock level or
    order is saved or deleted: the log the sync feed reads in order.

    `txid` is the writing transaction's id on PostgreSQL (0 elsewhere): the feed serves only
    rows of transactions older than every one still running, in (txid, id) order, so a row
    committed late can never fall behind a cursor that has already passed it.
    """

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    object_id = models.BigIntegerField()
    channel_id = models.BigIntegerField(null=True, blank=True)  # an order's channel
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["txid", "id"], name="change_feed_order"),
            models.Index(fields=["kind", "-id"], name="change_watermark"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} #{self.id}"


class StripeEventState(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored (type not handled)"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected (signed, but not an event we can read)"


class StripeEvent(models.Model):
    """A webhook event from Stripe. The unique event id makes a redelivery a no-op."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=StripeEventState.choices, default=StripeEventState.RECEIVED
    )
    error = models.TextField(blank=True)
    stripe_created_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookEvent(models.TextChoices):
    ORDER_PLACED = "order.placed", "Order placed"
    ORDER_PAID = "order.paid", "Order paid"
    ORDER_SHIPPED = "order.shipped", "Order shipped"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    ORDER_REFUNDED = "order.refunded", "Order refunded"
    PRODUCT_CHANGED = "product.changed", "Product changed"
    VARIANT_CHANGED = "variant.changed", "Variant changed"
    STOCK_CHANGED = "stock.changed", "Stock changed"
    CATEGORY_CHANGED = "category.changed", "Category changed"


class WebhookEndpoint(models.Model):
    """An address of a storefront that is told of changes: the events it chose, signed with
    its secret (Standard Webhooks). Its channel's orders, and the whole catalog."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="webhook_endpoints")
    url = models.URLField("address", max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    failures_in_a_row = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["failures_in_a_row"])

    class Meta:
        verbose_name = "webhook endpoint"
        ordering = ["channel_id", "url", "id"]

    def __str__(self) -> str:
        return self.url


class MessageState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookMessage(models.Model):
    """One event for one endpoint: its body, kept as sent, and where its delivery stands. Its
    `webhook-id` stays the same on every attempt and replay, so a receiver can drop repeats."""

    webhook_id = models.CharField(max_length=40, unique=True)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    event_type = models.CharField(max_length=30, choices=WebhookEvent.choices)
    body = models.TextField()
    # For an order event, the timeline row it tells of: told once to each endpoint.
    order_event = models.ForeignKey(
        OrderEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "order_event"], name="one_message_per_order_event"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.event_type} ({self.webhook_id})"


class WebhookAttempt(models.Model):
    """One try at delivering a message: what the endpoint answered, or why it could not."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="tries")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    replay = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{'Replay' if self.replay else 'Attempt'} {self.pk}"


class WebhookCursor(models.Model):
    """Where the webhook dispatcher stands in the change log (one row). Changes before it
    started are not sent: endpoints are told of what happens after they exist."""

    txid = models.BigIntegerField(default=0)
    change_id = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"({self.txid}, {self.change_id})"
