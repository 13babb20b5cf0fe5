"""Invoices and credit notes as PDF files: made once, right after issue (or on the first
download of a document issued before), stored in the configured storage and kept as the
document of record — every later download gives the same bytes, checked by their SHA-256 —
and sent to the customer by e-mail with the PDF attached."""

import hashlib
from secrets import token_hex

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.formatting import tax_rate_label
from backoffice.money import format_money
from backoffice.pdf import data_uri, render_pdf
from backoffice.selectors import store_settings
from sales.models import CreditNote, DocumentPdf, EventKind, Invoice
from sales.services.timeline import order_event_record

TEMPLATE = "sales/document_pdf.html"
KINDS: dict[str, type[Invoice] | type[CreditNote]] = {
    "invoice": Invoice,
    "credit_note": CreditNote,
}


def document_kind(document: Invoice | CreditNote) -> str:
    return "invoice" if isinstance(document, Invoice) else "credit_note"


def document_title(document: Invoice | CreditNote) -> str:
    return "Invoice" if isinstance(document, Invoice) else "Credit note"


def document_get(kind: str, pk: int) -> Invoice | CreditNote:
    return KINDS[kind].objects.select_related("order").get(pk=pk)


def document_context(document: Invoice | CreditNote) -> dict:
    """What the PDF template prints: the document as issued, amounts in its currency."""
    currency = document.currency

    def amount(value):
        return format_money(value, currency)

    lines = [
        {
            "description": line.description,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": amount(line.unit_price),
            "discount": amount(line.discount) if line.discount else "",
            "rate": tax_rate_label(line.tax_rate, line.tax_exempt),
            "net": amount(line.net),
            "tax": amount(line.tax),
            "total": amount(line.total),
        }
        for line in document.lines.all()
    ]
    breakdown = [
        {
            "rate": tax_rate_label(row["rate"], row["exempt"]),
            "net": amount(row["net"]),
            "tax": amount(row["tax"]),
        }
        for row in document.tax_breakdown()
    ]
    credit_note = isinstance(document, CreditNote)
    billing = document.billing_address.split("\n")
    if billing and billing[0] == document.customer_name:
        billing = billing[1:]  # the address names the customer, printed above it already
    return {
        "billing_rest": "\n".join(billing),
        "document": document,
        "title": document_title(document),
        "seller": document.seller,
        "logo": data_uri(store_settings().logo),
        "lines": lines,
        "breakdown": breakdown,
        "tax_notes": document.tax_notes(),
        "subtotal": amount(document.subtotal),
        "tax": amount(document.tax),
        "total": amount(document.total),
        "paid": amount(document.amount_paid),
        "due": amount(document.amount_due),
        "invoice": document.invoice if isinstance(document, CreditNote) else None,
        "is_credit_note": credit_note,
    }


def _existing(document) -> DocumentPdf | None:
    field = document_kind(document)
    return DocumentPdf.objects.filter(**{field: document}).first()


def document_pdf(document: Invoice | CreditNote) -> DocumentPdf:
    """The document's PDF: the stored one, or made and stored now."""
    existing = _existing(document)
    if existing is not None:
        return existing
    content = render_pdf(TEMPLATE, document_context(document))
    record = DocumentPdf(
        **{document_kind(document): document},
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    # The name is unguessable: a file's address alone never opens it.
    record.file.save(f"{document.number}-{token_hex(16)}.pdf", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # made at the same moment by another request or worker
        record.file.delete(save=False)
        return DocumentPdf.objects.get(**{document_kind(document): document})
    return record


def document_pdf_bytes(document: Invoice | CreditNote) -> bytes:
    """The stored PDF's bytes, checked against the checksum recorded when it was made."""
    record = document_pdf(document)
    with record.file.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != record.sha256:
        raise DomainError(
            f"The stored PDF of {document.number} does not match its checksum: it was changed "
            "after it was made. Restore it from a backup."
        )
    return content


def pdf_after_issue(document: Invoice | CreditNote) -> None:
    """Queue the PDF of a document just issued, once its issue is committed."""
    if not settings.DOCUMENT_PDFS_AT_ISSUE:
        return
    from sales.tasks import document_pdf_make_task

    kind, pk = document_kind(document), document.pk
    transaction.on_commit(lambda: document_pdf_make_task.delay(kind, pk))


def document_send(*, document: Invoice | CreditNote, actor: Actor, to: str = "") -> str:
    """E-mail the document to the customer (or to `to`), its PDF attached, once the request
    is committed. Returns the address it goes to."""
    recipient = (to or document.customer_email).strip()
    if not recipient:
        raise DomainError(f"{document.number} has no customer e-mail to send it to.")
    document_pdf(document)  # made now, so that a server that cannot make PDFs says so here
    from sales.tasks import document_send_task

    kind, pk = document_kind(document), document.pk
    user_id = actor.user.pk if actor.user is not None else None
    transaction.on_commit(lambda: document_send_task.delay(kind, pk, recipient, user_id))
    return recipient


def document_mail(document: Invoice | CreditNote, recipient: str, actor: Actor) -> None:
    """Send the e-mail now and record it on the order's timeline."""
    title, seller = (
        document_title(document),
        document.seller.get("trading_name") or (document.seller.get("legal_name", "")),
    )
    message = EmailMessage(
        subject=f"{title} {document.number}" + (f" from {seller}" if seller else ""),
        body=(
            f"Hello {document.customer_name},\n\n"
            f"Please find attached {title.lower()} {document.number} for order "
            f"{document.order.number} ({format_money(document.total, document.currency)}).\n\n"
            f"{seller}\n"
        ),
        to=[recipient],
        reply_to=[store_settings().email] if store_settings().email else None,
    )
    message.attach(f"{document.number}.pdf", document_pdf_bytes(document), "application/pdf")
    message.send()
    order_event_record(
        order=document.order,
        kind=EventKind.DOCUMENT_SENT,
        message=f"{title} {document.number} sent to {recipient}",
        actor=actor,
    )
