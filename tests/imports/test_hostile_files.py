"""Big and hostile files stay cheap: an xlsx archive is checked before it is opened (unpacked
size, compression ratio, shared strings), rows, columns, a cell's length and variants per
product are capped with a message, and a request never reads more rows than the background
threshold. Every refusal writes nothing. (Memory and time are measured in
bench/bench_hostile_imports.py, never timed here.)"""

import io

import pytest
from django.test import TestCase
from openpyxl import Workbook

from imports import limits
from imports.models import ImportBatch, ImportStatus
from imports.reading import ImportFileError
from inventory.models import Product, ProductVariant
from tests.imports.conftest import csv_bytes, preview, problems
from tests.imports.xlsx_files import MAIN, shared_strings_xlsx


def assert_nothing_written():
    assert not ImportBatch.objects.exists()
    assert not Product.objects.exists() and not ProductVariant.objects.exists()


def test_a_workbook_of_a_million_shared_strings_is_refused_unopened(merchant):
    content = shared_strings_xlsx(limits.MAX_SHARED_STRINGS + 1)
    assert len(content) < 4 * 2**20  # small to upload, huge to open
    with pytest.raises(ImportFileError, match="distinct texts, beyond what an import opens"):
        preview(merchant, content, name="catalog.xlsx")
    assert_nothing_written()


def test_a_workbook_with_many_shared_strings_is_opened_by_a_worker_not_the_request(merchant):
    content = shared_strings_xlsx(60_000)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        batch = preview(merchant, content, name="catalog.xlsx")
    assert batch.status == ImportStatus.PREVIEWING  # the request did not read it
    assert len(queued) == 1


def test_a_workbook_that_unpacks_a_thousand_times_larger_is_refused(merchant):
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        "</sheetData></worksheet>"
    ).encode() + b" " * (30 * 2**20)  # blank padding: packs to almost nothing
    content = shared_strings_xlsx(3, sheet_xml=sheet)
    assert len(content) < 2**20
    with pytest.raises(ImportFileError, match=r"unpacks to 30 MB from 0\.03 MB"):
        preview(merchant, content, name="catalog.xlsx")
    assert_nothing_written()


def test_a_workbook_beyond_the_unpacked_size_is_refused(merchant, monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_UNCOMPRESSED_MB", 0)
    with pytest.raises(ImportFileError, match="The workbook unpacks to 0 MB; an import opens"):
        preview(merchant, shared_strings_xlsx(3), name="catalog.xlsx")
    assert_nothing_written()


def test_a_file_that_is_not_a_zip_is_refused_as_a_workbook(merchant):
    with pytest.raises(ImportFileError, match="not a readable xlsx workbook"):
        preview(merchant, b"PK\x03\x04 not really", name="catalog.xlsx")
    assert_nothing_written()


def test_too_many_columns_are_refused(merchant):
    header = ["handle", "sku", "price"] + [f"extra {n}" for n in range(limits.MAX_COLUMNS)]
    with pytest.raises(ImportFileError, match="columns; an import reads at most 1,000"):
        preview(merchant, csv_bytes([header, ["a", "A", "1"]]))
    assert_nothing_written()


def test_too_many_rows_are_refused_before_any_is_read(merchant, settings):
    settings.IMPORT_MAX_ROWS = 100
    rows = [["handle", "title", "sku", "price"]]
    rows += [[f"p{n}", "P", f"P{n}", "1.00"] for n in range(150)]
    with pytest.raises(
        ImportFileError, match="The file has 150 rows; one import takes at most 100"
    ):
        preview(merchant, csv_bytes(rows))
    assert_nothing_written()


def test_a_cell_beyond_a_million_characters_is_refused(merchant):
    rows = [["handle", "title", "description"], ["p", "P", "x" * (limits.MAX_CELL_CHARS + 1)]]
    batch = preview(merchant, csv_bytes(rows))
    assert batch.status == ImportStatus.INVALID
    assert batch.message == (
        "Row 2 holds a cell longer than 1,000,000 characters, the most an import reads."
    )
    assert not Product.objects.exists()


def test_a_product_beyond_shopifys_variant_limit_is_refused_by_row(merchant, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5000
    cap = limits.MAX_VARIANTS_PER_PRODUCT
    rows = [["handle", "title", "option1_name", "option1", "price"]]
    rows += [["big", "Big", "N", str(n), "1.00"] for n in range(cap + 2)]
    batch = preview(merchant, csv_bytes(rows))
    assert batch.status == ImportStatus.INVALID
    message = "a product has at most 2,048 variants (Shopify's limit)"
    assert problems(batch) == [(cap + 2, "", "big", message), (cap + 3, "", "big", message)]
    assert not Product.objects.exists()


def test_a_request_reads_no_more_rows_than_the_background_threshold(merchant, settings):
    """A workbook that does not state its size is previewed in the request until it has
    more rows than a request may read; then a worker takes it over."""
    settings.IMPORT_BACKGROUND_ROWS = 50
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["handle", "title", "sku", "price"])
    for n in range(200):
        sheet.append([f"p{n}", f"P {n}", f"P{n}", "1.00"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        batch = preview(merchant, buffer.getvalue(), name="catalog.xlsx")
    assert batch.status == ImportStatus.PREVIEWING
    assert len(queued) == 1
    assert not Product.objects.exists()


def test_a_product_beyond_shopifys_image_limit_is_refused_by_row(merchant):
    cap = limits.MAX_IMAGES_PER_PRODUCT
    rows = [["Handle", "Title", "Variant Price", "Image Src"]]
    rows.append(["tee", "Tee", "1.00", "https://cdn.example/0.jpg"])
    rows += [["tee", "", "", f"https://cdn.example/{n}.jpg"] for n in range(1, cap + 1)]
    batch = preview(merchant, csv_bytes(rows), kind="shopify")
    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [
        (cap + 2, "", "tee", "a product has at most 250 images (Shopify's limit)")
    ]
    assert not Product.objects.exists()
