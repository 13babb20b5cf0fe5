"""What the integrations keep: Stripe's webhook events, each recorded once."""

from django.db import models


class StripeEventState(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored (type not handled)"
    FAILED = "failed", "Failed"


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
