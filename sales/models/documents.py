"""Invoices and credit notes: numbered without gaps per series and year, immutable once issued.

A number is taken from `DocumentSequence` inside the transaction that issues the document,
with the sequence row locked, so a rolled-back issue gives its number back and two issues at
once wait for each other. On PostgreSQL a trigger refuses any change to an issued document.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from inventory.models import MONEY
from sales.models.orders import Order
from sales.models.payments import Refund


class DocumentSequence(models.Model):
    series = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="one_sequence_per_series_year")
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last_number}"


class TaxDocument(models.Model):
    number = models.CharField(max_length=30, unique=True)
    series = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(db_index=True)
    currency = models.CharField(max_length=3)
    customer_name = models.CharField(max_length=300)
    customer_email = models.EmailField()
    billing_address = models.TextField(blank=True)
    subtotal = models.DecimalField(**MONEY, help_text="Net of the lines, after discounts.")
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    issued_by = models.CharField(max_length=200)

    class Meta:
        abstract = True
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def tax_breakdown(self) -> list[dict]:
        """Net and tax per rate, as printed under the lines."""
        rates: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in self.lines.all():
            rates[line.tax_rate][0] += line.net
            rates[line.tax_rate][1] += line.tax
        return [
            {"rate": rate, "net": net, "tax": tax}
            for rate, (net, tax) in sorted(rates.items(), reverse=True)
        ]


def _sequence_constraints(prefix: str) -> list:
    return [
        models.UniqueConstraint(
            fields=["series", "year", "sequence"], name=f"{prefix}_number_unique_in_series"
        ),
        models.CheckConstraint(condition=Q(sequence__gt=0), name=f"{prefix}_sequence_positive"),
    ]


class Invoice(TaxDocument):
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    history = HistoricalRecords()

    class Meta(TaxDocument.Meta):
        constraints = _sequence_constraints("invoice")


class CreditNote(TaxDocument):
    """What a refund gives back, against the order's invoice."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="credit_notes")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    # The refund it records; none for a whole order cancelled after it was invoiced.
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta(TaxDocument.Meta):
        constraints = _sequence_constraints("credit_note")


class DocumentLine(models.Model):
    description = models.CharField(max_length=500)
    sku = models.CharField("SKU", max_length=100, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3)
    net = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class InvoiceLine(DocumentLine):
    document = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")


class CreditNoteLine(DocumentLine):
    document = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
