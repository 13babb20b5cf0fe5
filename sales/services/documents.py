"""Invoices and credit notes: issued once, numbered without gaps, never changed.

An invoice copies the order's lines, shipping and totals as they are; a credit note gives
back what one refund returned, line by line, with any amount beyond the lines spread over
the invoice's tax rates.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.formatting import percent
from backoffice.history import save_with_reason
from backoffice.selectors import store_settings
from sales.models import (
    CreditNote,
    CreditNoteLine,
    EventKind,
    Invoice,
    InvoiceLine,
    Order,
    OrderStatus,
    Refund,
)
from sales.services.document_files import pdf_after_issue
from sales.services.numbering import next_document_number
from sales.services.pricing import ZERO, split_by_weight, tax_of
from sales.services.timeline import order_event_record


class SellerIncomplete(DomainError):
    """The store settings do not name the seller as a tax document must."""


def seller_block(store, footer: str) -> dict:
    """The seller as a tax document names it, copied from the store settings at issue."""
    missing = store.missing_for_invoices()
    if missing:
        raise SellerIncomplete(
            f"Invoices and credit notes must name the seller: fill in the store's "
            f"{', '.join(missing)} under Administration → Store settings first."
        )
    return {
        "legal_name": store.legal_name,
        "trading_name": store.trading_name,
        "address": store.address_lines,
        "country": str(store.country),
        "vat_number": store.vat_number,
        "company_number": store.company_number,
        "email": store.email,
        "phone": store.phone,
        "footer": footer,
    }


def _header(order: Order, series: str, actor: Actor, footer: str) -> dict:
    seller = seller_block(store_settings(), footer)
    now = timezone.now()
    year = timezone.localdate(now).year  # the series of the shop's own calendar year
    sequence, number = next_document_number(series=series, year=year)
    customer = order.customer
    billing = order.billing_address or order.shipping_address
    shipping = order.shipping_address
    return {
        "number": number,
        "series": series,
        "year": year,
        "sequence": sequence,
        "order": order,
        "issued_at": now,
        "currency": order.currency,
        "customer_name": customer.full_name or customer.email,
        "customer_email": customer.email,
        "billing_address": billing.as_text() if billing else "",
        "shipping_address": shipping.as_text() if shipping else "",
        "seller": seller,
        "issued_by": str(actor),
    }


def _totals(lines) -> dict:
    return {
        "subtotal": sum((line.net for line in lines), ZERO),
        "tax": sum((line.tax for line in lines), ZERO),
        "total": sum((line.total for line in lines), ZERO),
    }


def _invoice_lines(order: Order) -> list[InvoiceLine]:
    lines = [
        InvoiceLine(
            description=line.description,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            tax_rate=line.tax_rate,
            tax_exempt=line.tax_exempt,
            tax_note=line.tax_note,
            net=line.total - line.tax,
            tax=line.tax,
            total=line.total,
            position=line.position,
        )
        for line in order.lines.all()
    ]
    if order.shipping:
        lines.append(
            InvoiceLine(
                description="Shipping",
                quantity=1,
                unit_price=order.shipping,
                tax_rate=order.shipping_tax_rate,
                tax_exempt=order.shipping_tax_exempt,
                net=order.shipping_net,
                tax=order.shipping_tax,
                total=order.shipping_net + order.shipping_tax,
                position=len(lines),
            )
        )
    return lines


@transaction.atomic
def invoice_issue(*, order: Order, actor: Actor) -> Invoice:
    order = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
    if order.status not in (OrderStatus.PLACED, OrderStatus.COMPLETED):
        state = order.get_status_display().lower()
        raise DomainError(f"Order {order.number} is {state}: only placed orders are invoiced.")
    if Invoice.objects.filter(order=order).exists():
        raise DomainError(f"Order {order.number} already has invoice {order.invoice.number}.")
    lines = _invoice_lines(order)
    header = _header(order, settings.INVOICE_SERIES, actor, store_settings().invoice_footer)
    invoice = Invoice(
        **header, **_totals(lines), amount_paid=order.amount_paid - order.amount_refunded
    )
    save_with_reason(invoice, actor, "Issued")
    for line in lines:
        line.document = invoice
    InvoiceLine.objects.bulk_create(lines)
    pdf_after_issue(invoice)
    order_event_record(
        order=order,
        kind=EventKind.INVOICED,
        message=f"Invoice {invoice.number} issued ({invoice.total} {invoice.currency})",
        actor=actor,
    )
    return invoice


def _returned_lines(refund: Refund) -> list[CreditNoteLine]:
    lines = []
    for position, refunded in enumerate(refund.lines.select_related("line")):
        line = refunded.line
        lines.append(
            CreditNoteLine(
                description=line.description,
                sku=line.sku,
                quantity=refunded.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                tax_exempt=line.tax_exempt,
                tax_note=line.tax_note,
                net=refunded.amount - refunded.tax,
                tax=refunded.tax,
                total=refunded.amount,
                position=position,
            )
        )
    return lines


def _amount_lines(amount, invoice: Invoice, first_position: int) -> list[CreditNoteLine]:
    """An amount refunded beyond any lines, spread over the invoice's tax rates in
    proportion to what was invoiced at each."""
    rates = [row for row in invoice.tax_breakdown() if row["net"] + row["tax"] > 0]
    if not rates:
        rates = [{"rate": ZERO, "exempt": False, "net": amount, "tax": ZERO}]
    currency = invoice.currency
    parts = split_by_weight(amount, [row["net"] + row["tax"] for row in rates], currency)
    lines = []
    for offset, (row, part) in enumerate(zip(rates, parts, strict=True)):
        tax = tax_of(part, row["rate"], included=True, currency=currency)
        rate = "exempt" if row["exempt"] else f"{percent(row['rate'])} tax"
        lines.append(
            CreditNoteLine(
                description=f"Refund at {rate}",
                quantity=1,
                unit_price=part,
                tax_rate=row["rate"],
                tax_exempt=row["exempt"],
                net=part - tax,
                tax=tax,
                total=part,
                position=first_position + offset,
            )
        )
    return lines


def _credit_note(order, invoice, lines, actor: Actor, **fields) -> CreditNote:
    footer = store_settings().credit_note_footer
    totals = _totals(lines)
    note = CreditNote(
        **_header(order, settings.CREDIT_NOTE_SERIES, actor, footer),
        **totals,
        amount_paid=totals["total"] if fields.get("refund") else ZERO,
        invoice=invoice,
        **fields,
    )
    save_with_reason(note, actor, "Issued")
    for line in lines:
        line.document = note
    CreditNoteLine.objects.bulk_create(lines)
    pdf_after_issue(note)
    order_event_record(
        order=order,
        kind=EventKind.CREDIT_NOTE,
        message=f"Credit note {note.number} issued ({note.total} {note.currency})",
        actor=actor,
    )
    return note


@transaction.atomic
def credit_note_issue(
    *, refund: Refund, invoice: Invoice, actor: Actor, amount: Decimal | None = None
) -> CreditNote:
    """The credit note of a refund: its lines' value, and any amount beyond them spread over
    the invoice's tax rates. `amount` below the refund's (part of it repaid money received
    twice) credits just that amount, spread the same way."""
    if CreditNote.objects.filter(refund=refund).exists():
        raise DomainError(f"Refund {refund.pk} already has credit note {refund.credit_note}.")
    amount = refund.amount if amount is None else amount
    lines = _returned_lines(refund) if amount == refund.amount else []
    beyond_lines = amount - sum((line.total for line in lines), ZERO)
    if beyond_lines > 0:
        lines += _amount_lines(beyond_lines, invoice, len(lines))
    return _credit_note(refund.order, invoice, lines, actor, refund=refund, reason="Refund")


@transaction.atomic
def credit_note_cancel_invoice(*, invoice: Invoice, actor: Actor) -> CreditNote | None:
    """Credit what is left of an invoice whose order is cancelled (None: nothing is left)."""
    credited = CreditNote.objects.filter(invoice=invoice).aggregate(total=Sum("total"))["total"]
    if credited:
        left = invoice.total - credited
        if left <= 0:
            return None
        lines = _amount_lines(left, invoice, 0)
    else:
        lines = [
            CreditNoteLine(**{field: getattr(line, field) for field in DOCUMENT_LINE_FIELDS})
            for line in invoice.lines.all()
        ]
    return _credit_note(invoice.order, invoice, lines, actor, reason="Order cancelled")


DOCUMENT_LINE_FIELDS = (
    "description",
    "sku",
    "quantity",
    "unit_price",
    "discount",
    "tax_rate",
    "tax_exempt",
    "tax_note",
    "net",
    "tax",
    "total",
    "position",
)
