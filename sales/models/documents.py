"""Invoices and credit notes: numbered without gaps per series and year, immutable once issued.

A number is taken from `DocumentSequence` inside the transaction that issues the document,
with the sequence row locked, so a rolled-back issue gives its number back and two issues at
once wait for each other. On PostgreSQL a trigger refuses any change to an issued document.
"""

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from backoffice.files import private_name
from backoffice.money import MoneyField
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
    shipping_address = models.TextField(blank=True)
    # The seller as the store settings named it at issue (legal name, address, VAT number,
    # …, footer): a document keeps what it said, whatever the settings say later.
    seller = models.JSONField(default=dict)
    subtotal = MoneyField(help_text="Net of the lines, after discounts.")
    tax = MoneyField()
    total = MoneyField()
    amount_paid = MoneyField(
        default=0, help_text="Invoices: paid when issued. Credit notes: the amount refunded."
    )
    issued_by = models.CharField(max_length=200)

    if TYPE_CHECKING:  # each concrete document names its own line model "lines"
        lines: models.Manager["DocumentLine"]

    class Meta:
        abstract = True
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def amount_due(self) -> Decimal:
        return max(self.total - self.amount_paid, Decimal(0))

    def tax_breakdown(self) -> list[dict]:
        """Net and tax per rate (an exempt rate apart from a taxed 0 %), as printed under the
        lines, highest rate first."""
        rates: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in self.lines.all():
            rates[(line.tax_rate, line.tax_exempt)][0] += line.net
            rates[(line.tax_rate, line.tax_exempt)][1] += line.tax
        return [
            {"rate": rate, "exempt": exempt, "net": net, "tax": tax}
            for (rate, exempt), (net, tax) in sorted(rates.items(), reverse=True)
        ]

    def tax_notes(self) -> list[str]:
        """The notes of the tax classes its lines were taxed at (exemptions' legal basis)."""
        return list(dict.fromkeys(line.tax_note for line in self.lines.all() if line.tax_note))


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
    sku = models.CharField("SKU", max_length=255, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = MoneyField()
    discount = MoneyField(default=0, help_text="Off the whole line.")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3)
    tax_exempt = models.BooleanField(default=False)
    tax_note = models.CharField(max_length=300, blank=True)
    net = MoneyField()
    tax = MoneyField()
    total = MoneyField()
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


def document_pdf_path(instance: "DocumentPdf", filename: str) -> str:
    folder = "invoices" if instance.invoice_id else "credit-notes"
    return private_name(f"documents/{folder}", filename)


class DocumentPdf(models.Model):
    """The PDF of an issued invoice or credit note: made once and kept as the document of
    record, so every download gives the same bytes (checked against `sha256`)."""

    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="pdf"
    )
    credit_note = models.OneToOneField(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="pdf"
    )
    file = models.FileField(upload_to=document_pdf_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "document PDF"
        constraints = [
            models.CheckConstraint(
                condition=Q(invoice__isnull=False, credit_note__isnull=True)
                | Q(invoice__isnull=True, credit_note__isnull=False),
                name="pdf_of_one_document",
            )
        ]

    def __str__(self) -> str:
        return self.file.name

    @property
    def document(self) -> "Invoice | CreditNote":
        document = self.invoice or self.credit_note
        if document is None:  # the pdf_of_one_document constraint allows no such row
            raise ValueError(f"PDF {self.pk} belongs to no document")
        return document
