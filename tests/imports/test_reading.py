"""Files as merchants save them: encodings, delimiters, xlsx; and every file that cannot be
read refused with its reason, writing nothing."""

import io
from decimal import Decimal

import openpyxl
import pytest

from backoffice.exceptions import DomainError
from imports.models import ImportBatch
from inventory.models import Product, ProductVariant
from tests.imports.conftest import csv_bytes, imported, native_rows, preview, problems
from tests.reporting.conftest import stored_files

CREME = {"handle": "creme", "title": "Crème brûlée", "sku": "CB-1", "price": "4.50"}


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", "\t"), ("latin-1", ";")],
)
def test_encodings_and_delimiters_are_detected(merchant, encoding, delimiter):
    content = csv_bytes(native_rows(CREME), delimiter=delimiter, encoding=encoding)
    imported(merchant, content)
    assert Product.objects.get(handle="creme").title == "Crème brûlée"


def test_a_semicolon_file_with_decimal_commas_reads_the_amounts(merchant):
    content = csv_bytes(native_rows({**CREME, "price": "4,50"}), delimiter=";")
    imported(merchant, content)
    assert ProductVariant.objects.get(sku="CB-1").price == Decimal("4.50")


def test_an_xlsx_workbook_is_read_with_typed_cells(merchant):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in native_rows(CREME):
        sheet.append(row)
    sheet["M2"] = 4.5  # a number cell, as a spreadsheet stores a price
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = imported(merchant, buffer.getvalue(), name="catalog.xlsx")
    assert batch.file_format == "xlsx"
    assert ProductVariant.objects.get(sku="CB-1").price == Decimal("4.50")


def test_xlsx_is_parsed_with_defused_xml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


REFUSED = [
    ("catalog.pdf", b"%PDF-1.4", "'catalog.pdf' is not a file this import reads"),
    ("catalog.csv", b"", "The file is empty."),
    ("catalog.csv", "handle\r\nå".encode("utf-16"), "The file is UTF-16 text"),
    ("catalog.csv", b"handle,title\r\n\x00\x01\x02,x", "The file holds binary data"),
    ("catalog.xlsx", b"PK\x03\x04 not really a workbook", "The file is not a readable xlsx"),
    ("catalog.csv", b"title,price\r\nMug,1.00\r\n", "A products file needs the column(s) handle"),
    ("catalog.csv", b"handle,title,handle\r\nmug,Mug,mug\r\n", "The column 'handle' appears twice"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_an_unreadable_file_is_refused_and_nothing_is_stored(
    merchant, media_root, name, content, message
):
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        preview(merchant, content, name=name)
    assert ImportBatch.objects.count() == 0
    assert not media_root.exists() or stored_files(media_root) == []


def test_missing_columns_are_listed_by_name(merchant):
    with pytest.raises(DomainError) as refused:
        preview(merchant, b"sku,counted\r\nA,1\r\n", kind="stock")
    assert str(refused.value) == (
        "A stock count file needs the column(s) warehouse; the file has sku, counted."
    )


def test_a_file_over_the_size_limit_is_refused(merchant, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    content = csv_bytes(native_rows(CREME)) + b"x" * (1024 * 1024)
    with pytest.raises(DomainError, match=r"The file is 1.0 MB; imports take files up to 1 MB"):
        preview(merchant, content)
    assert ImportBatch.objects.count() == 0


def test_a_row_with_more_cells_than_the_header_is_refused(merchant):
    content = b"handle,title,sku,price\r\nmug,Mug,M-1,1.00,surprise\r\n"
    batch = preview(merchant, content)
    assert (batch.status, batch.message) == (
        "invalid",
        "Row 2 has 5 cells but the header names 4 columns: is a delimiter or a quote out of place?",
    )
    assert Product.objects.count() == 0


def test_the_upload_is_kept_in_storage(merchant, media_root):
    batch = preview(merchant, csv_bytes(native_rows(CREME)))
    assert stored_files(media_root) == [batch.file.name]
    with batch.file.open("rb") as stored:
        assert stored.read() == csv_bytes(native_rows(CREME))
    assert problems(batch) == []
