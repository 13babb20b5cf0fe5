"""Invoices and credit notes as files: a spreadsheet an accountant can file."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from backoffice.formatting import tax_rate_label
from backoffice.money import spreadsheet_format


def _escaped(text: str) -> str:
    """Text that a spreadsheet will never run as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def document_xlsx(document, title: str) -> bytes:
    """One sheet: the header, the lines with typed numbers, the totals and the tax breakdown."""
    book = Workbook()
    sheet = book.active
    sheet.title = document.number
    bold = Font(bold=True)
    for label, value in [
        (title, document.number),
        ("Issued", document.issued_at.replace(tzinfo=None)),
        ("Order", document.order.number),
        ("Seller", _escaped(document.seller.get("legal_name", ""))),
        ("Seller VAT number", _escaped(document.seller.get("vat_number", ""))),
        ("Customer", _escaped(document.customer_name)),
        ("Email", _escaped(document.customer_email)),
        ("Address", _escaped(document.billing_address.replace("\n", ", "))),
        ("Currency", document.currency),
    ]:
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = bold
    sheet.cell(2, 2).number_format = "yyyy-mm-dd hh:mm"
    sheet.append([])
    sheet.append(
        ["Description", "SKU", "Quantity", "Unit price", "Tax rate", "Net", "Tax", "Total"]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for line in document.lines.all():
        sheet.append(
            [
                _escaped(line.description),
                _escaped(line.sku),
                line.quantity,
                line.unit_price,
                tax_rate_label(line.tax_rate, line.tax_exempt),
                line.net,
                line.tax,
                line.total,
            ]
        )
        _amounts(sheet, (4, 6, 7, 8), document.currency)
    sheet.append([])
    for label, value in [
        ("Net", document.subtotal),
        ("Tax", document.tax),
        ("Total", document.total),
    ]:
        sheet.append([label, None, None, None, None, None, None, value])
        sheet.cell(sheet.max_row, 1).font = bold
        _amounts(sheet, (8,), document.currency)
    sheet.append([])
    sheet.append(["Tax rate", None, None, None, None, "Net", "Tax"])
    for row in document.tax_breakdown():
        rate = tax_rate_label(row["rate"], row["exempt"])
        sheet.append([rate, None, None, None, None, row["net"], row["tax"]])
        _amounts(sheet, (6, 7), document.currency)
    sheet.column_dimensions["A"].width = 40
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _amounts(sheet, columns, currency: str) -> None:
    for column in columns:
        sheet.cell(sheet.max_row, column).number_format = spreadsheet_format(currency)
