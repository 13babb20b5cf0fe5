"""Money received and given back: payments and refunds."""

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from backoffice.money import MoneyField, store_currency
from inventory.models import Warehouse
from sales.models.orders import Order, OrderLine


class PaymentProvider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    MANUAL = "manual", "Manual"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=10, choices=PaymentProvider.choices)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount = MoneyField()
    fee = MoneyField(null=True, blank=True, help_text="The provider's fee.")
    currency = models.CharField(max_length=3, default=store_currency)
    amount_refunded = MoneyField(default=0)
    method = models.CharField(max_length=100, blank=True, help_text="Card, bank transfer, cash, …")
    reference = models.CharField(max_length=200, blank=True)
    stripe_checkout_session_id = models.CharField(max_length=200, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    stripe_charge_id = models.CharField(max_length=200, blank=True)
    payment_url = models.URLField(max_length=2000, blank=True)
    disputed = models.BooleanField(default=False)
    failure_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    # The time of the newest provider event applied, so an older one arriving late is ignored.
    provider_updated_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payment_refunds_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.amount} {self.currency} ({self.status})"

    @property
    def refundable(self):
        """What may still be refunded: neither refunded nor waiting on a pending refund."""
        if self.status != PaymentStatus.SUCCEEDED:
            return 0
        pending = self.refunds.filter(status=RefundStatus.PENDING).aggregate(
            total=models.Sum("amount")
        )["total"]
        return self.amount - self.amount_refunded - (pending or 0)


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField()
    currency = models.CharField(max_length=3, default=store_currency)
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    stripe_refund_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} of {self.order}"


class RefundLine(models.Model):
    """Units of an order line given back, and whether they went back into stock."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    amount = MoneyField()
    tax = MoneyField(default=0, help_text="The tax within the amount.")
    restock = models.BooleanField(default=False)
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="refunded_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"
