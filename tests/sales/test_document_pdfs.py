"""Invoices and credit notes as PDFs: the document of record, made once at issue with the
seller's legal details, stored with its checksum, downloaded and sent as the same bytes."""

import hashlib
from decimal import Decimal

import pytest
from django.core import mail

from sales.models import DocumentPdf, EventKind, Invoice
from sales.services import (
    RefundLineRequest,
    invoice_issue,
    order_fulfil,
    order_mark_paid,
    payment_refund,
)
from sales.services.documents import SellerIncomplete
from tests.conftest import TEST_SELLER, pdf_text, set_store
from tests.factories import UserFactory
from tests.sales.conftest import SYSTEM


@pytest.fixture(autouse=True)
def _documents(eager_tasks, settings):
    settings.DOCUMENT_PDFS_AT_ISSUE = True
    set_store(
        company_number="RCS Paris 123 456 782",
        invoice_footer="Payment within 30 days to IBAN FR76 3000 6000 0112 3456 7890 189.",
        credit_note_footer="Refunded to the original means of payment.",
    )


@pytest.fixture
def invoiced(shop, django_capture_on_commit_callbacks):
    order = shop.placed((shop.tee, 2), (shop.mug, 1), shipping=Decimal("5"))
    order_mark_paid(order=order, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(order=order, actor=SYSTEM)
    return invoice


def pdf_url(document, kind="invoice"):
    return f"/admin/sales/{kind}/{document.pk}/pdf/"


def test_the_invoice_pdf_is_made_at_issue_and_names_seller_buyer_lines_and_totals(invoiced):
    record = DocumentPdf.objects.get(invoice=invoiced)
    with record.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == record.sha256
    assert record.file.name.startswith("documents/invoices/")
    assert invoiced.number in record.file.name and len(record.file.name) > 60  # not guessable

    text = pdf_text(content)
    for expected in [
        f"Invoice Number {invoiced.number}",
        "Date of issue",
        "Test Shop SAS",
        "1 rue du Test",
        "75001 Paris",
        "France",
        "VAT number: FR11123456782",
        "RCS Paris 123 456 782",
        invoiced.customer_name,
        "1 Rue de la Paix",
        invoiced.order.number,
        "DESCRIPTION QTY UNIT PRICE DISCOUNT TAX NET TOTAL",
        "Linen tee — M TEE-M 2 €19.90 20 % €39.80 €47.76",
        "Stoneware mug — Speckled MUG 1 €12.50 5.5 % €12.50 €13.19",
        "Shipping 1 €5.00 20 % €5.00 €6.00",
        "Tax rate Net Tax 20 % €44.80 €8.96 5.5 % €12.50 €0.69",
        "Net €57.30",
        "Tax €9.65",
        "Total €66.95",
        "Paid €66.95",
        "Amount due €0.00",
        "Payment within 30 days to IBAN FR76 3000 6000 0112 3456 7890 189.",
        "page 1 of 1",
    ]:
        assert expected in text, expected


def test_every_download_gives_the_stored_bytes(client, accountant, invoiced):
    client.force_login(accountant)
    first = client.get(pdf_url(invoiced))
    second = client.get(pdf_url(invoiced))

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert f'filename="{invoiced.number}.pdf"' in first["Content-Disposition"]
    assert first.content == second.content
    assert hashlib.sha256(first.content).hexdigest() == DocumentPdf.objects.get().sha256
    assert DocumentPdf.objects.count() == 1


def test_a_document_issued_before_pdfs_gets_its_pdf_at_the_first_download(
    client, accountant, shop, settings
):
    settings.DOCUMENT_PDFS_AT_ISSUE = False
    order = shop.placed((shop.mug, 1))
    invoice = invoice_issue(order=order, actor=SYSTEM)
    assert not DocumentPdf.objects.exists()

    client.force_login(accountant)
    first = client.get(pdf_url(invoice)).content
    assert DocumentPdf.objects.count() == 1
    assert client.get(pdf_url(invoice)).content == first


def test_an_order_is_never_invoiced_twice(invoiced):
    with pytest.raises(Exception, match=f"already has invoice {invoiced.number}"):
        invoice_issue(order=invoiced.order, actor=SYSTEM)
    assert Invoice.objects.count() == DocumentPdf.objects.count() == 1


def test_a_changed_stored_pdf_is_refused_not_served(client, accountant, invoiced):
    record = DocumentPdf.objects.get()
    with record.file.open("wb") as handle:
        handle.write(b"%PDF-1.7 forged")
    client.force_login(accountant)

    response = client.get(pdf_url(invoiced), follow=True)

    assert b"forged" not in response.content
    assert "does not match its checksum" in response.content.decode()


def test_an_invoice_needs_the_seller_named_and_nothing_is_issued_without(shop):
    set_store(legal_name="", address_line1="")
    order = shop.placed((shop.mug, 1))

    with pytest.raises(SellerIncomplete, match="fill in the store's legal name, address"):
        invoice_issue(order=order, actor=SYSTEM)

    assert not Invoice.objects.exists()
    assert not DocumentPdf.objects.exists()


def test_the_seller_is_the_one_at_issue_not_today(invoiced):
    set_store(legal_name="Renamed Later SAS")
    invoiced.refresh_from_db()
    assert invoiced.seller["legal_name"] == TEST_SELLER["legal_name"]


def test_a_credit_note_pdf_names_the_invoice_it_corrects(client, accountant, shop, invoiced):
    order = invoiced.order
    order_fulfil(order=order, warehouse=shop.main, actor=SYSTEM)
    payment = order.payments.get()
    mug = order.lines.get(sku="MUG")
    refund = payment_refund(
        payment=payment,
        lines=[RefundLineRequest(line=mug, quantity=1, restock=False)],
        reason="Chipped",
        actor=SYSTEM,
    )
    note = refund.credit_note
    client.force_login(accountant)
    text = pdf_text(client.get(pdf_url(note, "creditnote")).content)

    assert f"Credit note Number {note.number}" in text
    assert invoiced.number in text
    assert "Test Shop SAS" in text
    assert "Total €13.19" in text
    assert "Refunded to the original means of payment." in text


def test_send_to_customer_mails_the_stored_pdf_and_records_it(
    client, merchant, invoiced, django_capture_on_commit_callbacks
):
    client.force_login(merchant)
    page = f"/admin/sales/invoice/{invoiced.pk}/send/"
    assert invoiced.customer_email in client.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"to": "accounts@buyer.example"})

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["accounts@buyer.example"]
    assert message.subject == f"Invoice {invoiced.number} from Test Shop SAS"
    (name, content, kind) = message.attachments[0]
    assert (name, kind) == (f"{invoiced.number}.pdf", "application/pdf")
    assert hashlib.sha256(content).hexdigest() == DocumentPdf.objects.get().sha256
    assert invoiced.order.events.filter(kind=EventKind.DOCUMENT_SENT).count() == 1


def test_sending_to_a_bad_address_sends_nothing(client, merchant, invoiced):
    client.force_login(merchant)
    response = client.post(f"/admin/sales/invoice/{invoiced.pk}/send/", {"to": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert mail.outbox == []


def test_the_accountant_downloads_but_does_not_send(client, accountant, invoiced):
    client.force_login(accountant)
    response = client.post(f"/admin/sales/invoice/{invoiced.pk}/send/", {"to": "x@example.com"})
    assert response.status_code == 403
    assert mail.outbox == []
    assert invoiced.order.events.filter(kind=EventKind.DOCUMENT_SENT).count() == 0


def test_staff_without_a_role_cannot_download_a_pdf(client, invoiced):
    client.force_login(UserFactory(username="nobody", roles=[]))
    response = client.get(pdf_url(invoiced))
    assert response.status_code == 403
    assert b"%PDF" not in response.content


def test_the_order_page_links_its_documents_and_offers_the_pdf(client, merchant, invoiced):
    client.force_login(merchant)
    page = client.get(f"/admin/sales/order/{invoiced.order_id}/change/").content.decode()
    assert f">{invoiced.number}</a>" in page
    assert f'href="/admin/sales/invoice/{invoiced.pk}/pdf/"' in page
    assert f"/admin/sales/order/{invoiced.order_id}/invoice-pdf/" in page
    assert f"/admin/sales/order/{invoiced.order_id}/send-invoice/" in page
