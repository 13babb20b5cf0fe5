"""Invoices and credit notes: read-only, with their PDF (the document of record), a
spreadsheet download for whoever may view them (the Accountant included), and "Send to
customer" for those who issue them."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from backoffice.admin import HistoryAdmin, money_display
from backoffice.admin_services import actor_of, report_domain_errors
from backoffice.money import format_money
from sales.exports import document_xlsx
from sales.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from sales.services import document_files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEND_PERMISSION = "sales.add_invoice"  # those who issue documents send them


class DocumentLineInline(TabularInline):
    fields = (
        *("description", "sku", "quantity", "unit_price", "discount"),
        *("tax_rate", "tax_exempt", "net", "tax", "total"),
    )
    readonly_fields = fields
    extra = 0
    tab = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InvoiceLineInline(DocumentLineInline):
    model = InvoiceLine


class CreditNoteLineInline(DocumentLineInline):
    model = CreditNoteLine


class SendForm(forms.Form):
    to = forms.EmailField(label="Send to", help_text="The customer's e-mail, or another.")

    def __init__(self, document, data=None):
        super().__init__(data, initial={"to": document.customer_email})


def document_links(document) -> str:
    """ "INV-2026-000012 (PDF)": the document's page and its PDF, for lists and order pages."""
    opts = document._meta
    page = reverse(f"admin:sales_{opts.model_name}_change", args=[document.pk])
    pdf = reverse(f"admin:sales_{opts.model_name}_download_pdf", args=[document.pk])
    return format_html('<a href="{}">{}</a> (<a href="{}">PDF</a>)', page, document.number, pdf)


class DocumentAdmin(HistoryAdmin):
    """An issued document: nobody adds (the order actions issue them), edits or deletes it."""

    title = "Document"
    list_display = (
        "number",
        "issued_at",
        "order",
        "customer_name",
        "subtotal_display",
        "tax_display",
        "total_display",
        "files",
    )
    list_filter = (("issued_at", RangeDateTimeFilter),)
    list_filter_submit = True
    date_hierarchy = "issued_at"
    search_fields = ("number", "order__number", "customer_email", "customer_name")
    list_select_related: tuple[str, ...] = ("order",)
    paginator = InfinitePaginator
    show_full_result_count = False
    exclude = ("series", "year", "sequence", "seller")
    readonly_fields = ("seller_text",)
    actions_detail = ("download_pdf", "download_xlsx", "send_to_customer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_send_permission(self, request, object_id=None):
        return request.user.has_perm(SEND_PERMISSION)

    def _url(self, name: str, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[obj.pk])

    subtotal_display = money_display("subtotal", "Net")
    tax_display = money_display("tax", "Tax")
    total_display = money_display("total", "Total")

    @display(description="Files")
    def files(self, obj):
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">xlsx</a>',
            self._url("download_pdf", obj),
            self._url("download_xlsx", obj),
        )

    @display(description="Seller")
    def seller_text(self, obj):
        seller = obj.seller
        lines = [seller.get("legal_name", ""), *seller.get("address", [])]
        if seller.get("vat_number"):
            lines.append(f"VAT number: {seller['vat_number']}")
        return "\n".join(line for line in lines if line)

    def _document(self, request, pk):
        return get_object_or_404(self.get_queryset(request), pk=pk)

    @action(description="Download PDF", url_path="pdf", icon="picture_as_pdf",
            permissions=["view"])  # fmt: skip
    def download_pdf(self, request, object_id):
        document = self._document(request, object_id)
        content: dict[str, Any] = {}
        if not report_domain_errors(
            request, lambda: content.update(pdf=document_files.document_pdf_bytes(document))
        ):
            return redirect(self._url("change", document))
        response = HttpResponse(content["pdf"], content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document.number}.pdf"'
        return response

    @action(description="Download xlsx", url_path="xlsx", icon="table", permissions=["view"])
    def download_xlsx(self, request, object_id):
        document = self._document(request, object_id)
        response = HttpResponse(document_xlsx(document, self.title), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{document.number}.xlsx"'
        return response

    @action(description="Send to customer", url_path="send", icon="send", permissions=["send"])
    def send_to_customer(self, request, object_id):
        document = self._document(request, object_id)
        form = SendForm(document, request.POST if request.method == "POST" else None)
        sent: dict[str, Any] = {}
        if form.is_bound and form.is_valid():
            to = form.cleaned_data["to"]
            actor = actor_of(request)
            if report_domain_errors(
                request,
                lambda: sent.update(
                    to=document_files.document_send(document=document, actor=actor, to=to)
                ),
            ):
                messages.success(request, f"{document.number} is being sent to {sent['to']}.")
                return redirect(self._url("change", document))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Send {self.title.lower()} {document.number}",
            "form": form,
            "summary": [
                (self.title, document.number),
                ("Customer", document.customer_name),
                ("Total", format_money(document.total, document.currency)),
            ],
            "explanation": "An e-mail with the PDF attached goes to the address below.",
            "submit_label": "Send",
            "cancel_url": self._url("change", document),
        }
        return TemplateResponse(request, "backoffice/action_form.html", context)


@admin.register(Invoice)
class InvoiceAdmin(DocumentAdmin):
    title = "Invoice"
    inlines = (InvoiceLineInline,)


@admin.register(CreditNote)
class CreditNoteAdmin(DocumentAdmin):
    title = "Credit note"
    inlines = (CreditNoteLineInline,)
    list_select_related = ("order", "invoice")
