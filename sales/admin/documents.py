"""Invoices and credit notes: read-only, with a printable page and a spreadsheet download for
whoever may view them (the Accountant included)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

from backoffice.admin import HistoryAdmin
from backoffice.formatting import percent
from sales.exports import document_xlsx
from sales.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine


class DocumentLineInline(TabularInline):
    fields = ("description", "sku", "quantity", "unit_price", "tax_rate", "net", "tax", "total")
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


class DocumentAdmin(HistoryAdmin):
    """An issued document: nobody adds (the order actions issue them), edits or deletes it."""

    title = "Document"
    list_display = (
        "number",
        "issued_at",
        "order",
        "customer_name",
        "subtotal",
        "tax",
        "total",
        "currency",
        "files",
    )
    list_filter = (("issued_at", RangeDateTimeFilter),)
    list_filter_submit = True
    date_hierarchy = "issued_at"
    search_fields = ("number", "order__number", "customer_email", "customer_name")
    list_select_related = ("order",)
    paginator = InfinitePaginator
    show_full_result_count = False
    exclude = ("series", "year", "sequence")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _url(self, name: str, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[obj.pk])

    @display(description="Files")
    def files(self, obj):
        return format_html(
            '<a href="{}" target="_blank">Print</a> · <a href="{}">xlsx</a>',
            self._url("print", obj),
            self._url("xlsx", obj),
        )

    def get_urls(self):
        opts = self.model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        own = [
            path(
                "<int:pk>/print/",
                self.admin_site.admin_view(self.print_view),
                name=f"{prefix}_print",
            ),
            path(
                "<int:pk>/xlsx/",
                self.admin_site.admin_view(self.xlsx_view),
                name=f"{prefix}_xlsx",
            ),
        ]
        return own + super().get_urls()

    def _document(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def print_view(self, request, pk):
        document = self._document(request, pk)
        lines = [
            {**vars(line), "description": line.description, "rate": percent(line.tax_rate)}
            for line in document.lines.all()
        ]
        breakdown = [{**row, "rate": percent(row["rate"])} for row in document.tax_breakdown()]
        context = {
            "document": document,
            "title": self.title,
            "lines": lines,
            "breakdown": breakdown,
            "invoice": getattr(document, "invoice", None)
            if isinstance(document, CreditNote)
            else None,
        }
        return TemplateResponse(request, "sales/document_print.html", context)

    def xlsx_view(self, request, pk):
        document = self._document(request, pk)
        response = HttpResponse(
            document_xlsx(document, self.title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{document.number}.xlsx"'
        return response


@admin.register(Invoice)
class InvoiceAdmin(DocumentAdmin):
    title = "Invoice"
    inlines = (InvoiceLineInline,)


@admin.register(CreditNote)
class CreditNoteAdmin(DocumentAdmin):
    title = "Credit note"
    inlines = (CreditNoteLineInline,)
    list_select_related = ("order", "invoice")
