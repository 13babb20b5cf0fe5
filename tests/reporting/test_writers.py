"""Report files as an accountant opens them: the xlsx in openpyxl (typed cells, frozen styled
header, autofilter, totals, parameters sheet), the csv as UTF-8 text; and text a spreadsheet
would run as a formula escaped in both, whatever its dangerous first character."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from openpyxl.utils import get_column_letter

from inventory.services import stock_receive
from reporting.reports import CATALOGUE, Parameters
from sales.services import LineRequest, order_create, order_place
from tests.factories import (
    AddressFactory,
    ChannelFactory,
    CustomerFactory,
    VariantFactory,
    WarehouseFactory,
)
from tests.reporting.conftest import SYSTEM, request_run

MONEY_FORMAT = '#,##0.00 "EUR"'
DANGEROUS = ["=1+2", "+SUM(A1:A9)", "-2+3", "@SUM(1;2)", "\tTabbed", "\rReturned"]


def expected_rows(kind: str, **parameters) -> list[tuple]:
    return list(CATALOGUE[kind].rows(Parameters(**parameters)))


def workbook(run):
    with run.file.open("rb") as stream:
        return openpyxl.load_workbook(io.BytesIO(stream.read()))


def csv_rows(run) -> list[list[str]]:
    with run.file.open("rb") as stream:
        text = stream.read().decode("utf-8")  # fails on anything but UTF-8
    return list(csv.reader(io.StringIO(text, newline="")))


def amount(cell) -> Decimal:
    assert cell.data_type == "n" and cell.number_format == MONEY_FORMAT, cell
    return Decimal(str(cell.value)).quantize(Decimal("0.01"))


def naive_local(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def test_the_xlsx_has_a_frozen_styled_header_typed_cells_and_a_totals_row(
    trading, accountant, eager_tasks
):
    period = {"start": trading.first_day, "end": trading.last_day}
    expected = expected_rows("sales_summary", **period)
    run = request_run("sales_summary", accountant, **period)
    book = workbook(run)
    assert book.sheetnames == ["Sales summary", "Parameters"]
    sheet = book["Sales summary"]
    header = list(sheet[1])
    assert [cell.value for cell in header] == [c.title for c in CATALOGUE["sales_summary"].columns]
    assert all(cell.font.b for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:K{len(expected) + 1}"
    assert sheet.max_row == len(expected) + 2  # header, rows, totals
    for cells, row in zip(
        sheet.iter_rows(min_row=2, max_row=len(expected) + 1), expected, strict=True
    ):
        assert cells[0].is_date and cells[0].number_format == "yyyy-mm-dd"
        assert cells[0].value == datetime.combine(row[0], datetime.min.time())
        assert (cells[1].data_type, cells[1].value) == ("s", row[1])
        assert [(cell.data_type, cell.value) for cell in cells[2:4]] == [
            ("n", row[2]),
            ("n", row[3]),
        ]
        assert [amount(cell) for cell in cells[4:]] == list(row[4:])
    totals = list(sheet[len(expected) + 2])
    assert totals[0].value == "Total" and totals[0].font.b
    assert [totals[2].value, totals[3].value] == [
        sum(r[2] for r in expected),
        sum(r[3] for r in expected),
    ]
    assert [amount(cell) for cell in totals[4:]] == [
        sum(r[i] for r in expected) for i in range(4, 11)
    ]
    assert amount(totals[10]) == Decimal("409.75") - Decimal("69.47")  # charged less refunded


def test_the_xlsx_parameters_sheet_holds_the_parameters_and_the_run(
    trading, accountant, eager_tasks
):
    run = request_run(
        "sales_summary",
        accountant,
        start=trading.day(-30),
        end=trading.day(-1),
        channel_id=trading.catalog.web.pk,
        grouping="week",
    )
    sheet = workbook(run)["Parameters"]
    values = {row[0].value: row[1] for row in sheet.iter_rows()}
    assert values["Report"].value == "Sales summary"
    assert values["Period"].value == "Custom dates"
    assert values["From"].value == datetime.combine(trading.day(-30), datetime.min.time())
    assert values["From"].number_format == "yyyy-mm-dd"
    assert values["To"].value == datetime.combine(trading.day(-1), datetime.min.time())
    assert values["Grouping"].value == "week"
    assert values["Channel"].value == "Web shop"
    assert values["Currency"].value == "EUR"
    assert values["Run"].value == run.pk
    assert values["Requested by"].value == "accountant"
    assert abs(values["Requested at"].value - naive_local(run.created_at)).total_seconds() < 1
    assert values["Generated at"].value >= values["Requested at"].value.replace(microsecond=0)
    expected = expected_rows(
        "sales_summary",
        start=trading.day(-30),
        end=trading.day(-1),
        channel_id=trading.catalog.web.pk,
        grouping="week",
    )
    assert values["Rows"].value == run.row_count == len(expected) > 0


def test_the_xlsx_writes_datetimes_in_the_shops_time_and_leaves_unknown_costs_empty(
    trading, accountant, eager_tasks
):
    period = {"start": trading.first_day, "end": trading.last_day}
    payments = expected_rows("payments_refunds", **period)
    sheet = workbook(request_run("payments_refunds", accountant, **period))["Payments and refunds"]
    for cells, row in zip(
        sheet.iter_rows(min_row=2, max_row=len(payments) + 1), payments, strict=True
    ):
        assert cells[0].is_date and cells[0].number_format == "yyyy-mm-dd hh:mm"
        assert cells[0].value == naive_local(row[0])
        assert [amount(cell) for cell in cells[6:]] == list(row[6:])
    products = workbook(request_run("sales_by_product", accountant, **period))["Sales by product"]
    wrap = next(row for row in products.iter_rows(min_row=2) if row[1].value == "Gift wrap")
    assert [cell.value for cell in wrap[5:]] == [None, None, None]
    assert wrap[7].number_format == "0.0%"


def test_an_empty_report_is_a_header_and_a_zero_total(trading, accountant, eager_tasks):
    quiet = trading.first_day.replace(year=trading.first_day.year - 1)
    run = request_run("stock_movements", accountant, start=quiet, end=quiet)
    sheet = workbook(run)["Stock movements"]
    assert run.row_count == 0
    assert sheet.auto_filter.ref == "A1:K1"
    assert [cell.value for cell in sheet[2]][:7] == ["Total", None, None, None, None, 0, 0]


def csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return escaped(value) if value[:1] in tuple(DANGEROUS_FIRST) else value
    return str(value)


@pytest.mark.parametrize("kind", ["sales_summary", "payments_refunds", "sales_by_product"])
def test_the_csv_is_utf8_text_with_a_header_and_the_rows(trading, accountant, eager_tasks, kind):
    period = {"start": trading.first_day, "end": trading.last_day}
    expected = expected_rows(kind, **period)
    run = request_run(kind, accountant, "csv", **period)
    got = csv_rows(run)
    assert got[0] == [column.title for column in CATALOGUE[kind].columns]
    assert got[1:] == [[csv_text(value) for value in row] for row in expected]
    assert run.row_count == len(expected)
    if kind == "sales_summary":  # money to the cent, as written on the orders
        assert got[1][4:] == ["52.30", "3.00", "0.00", "49.30", "4.90", "9.03", "63.23"]


# --- formula escaping -------------------------------------------------------------------------


@pytest.fixture
def dangerous_shop(db):
    """Products whose titles start with every character a spreadsheet reads as a formula (and
    one with accents), received with references starting the same way, and sold once."""
    main = WarehouseFactory(code="main", is_default=True)
    titles = [*DANGEROUS, "Thé vert"]
    variants = [
        VariantFactory(sku=f"D-{n}", product__title=title) for n, title in enumerate(titles)
    ]
    for variant, title in zip(variants, titles, strict=True):
        stock_receive(variant=variant, warehouse=main, quantity=3, actor=SYSTEM, reference=title)
    customer = CustomerFactory()
    order = order_create(
        channel=ChannelFactory(name="@Stall"),
        customer=customer,
        lines=[LineRequest(variant=variant, quantity=1) for variant in variants],
        actor=SYSTEM,
        shipping_address=AddressFactory(customer=customer),
    )
    order_place(order=order, actor=SYSTEM)
    return timezone.localdate()


def escaped(text: str) -> str:
    return "'" + text


def as_xml_reads(text: str) -> str:
    """XML reads a carriage return in text as a line feed (openpyxl and Excel alike)."""
    return text.replace("\r", "\n")


@pytest.mark.parametrize("prefix", DANGEROUS)
def test_every_dangerous_prefix_is_a_text_cell_in_the_xlsx(
    dangerous_shop, accountant, eager_tasks, prefix
):
    """In a workbook, such text is a text cell marked with the spreadsheet's own hidden quote
    prefix: it reads exactly as typed, with no apostrophe, and is never run."""
    today = dangerous_shop
    products = workbook(request_run("sales_by_product", accountant, start=today, end=today))
    cells = {row[1].value: row[1] for row in products.active.iter_rows(min_row=2)}
    cell = cells[as_xml_reads(prefix)]
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    assert as_xml_reads(escaped(prefix)) not in cells
    assert cells["Thé vert"].quotePrefix is False  # harmless text stays as it is
    movements = workbook(request_run("stock_movements", accountant, start=today, end=today))
    references = [row[9] for row in movements.active.iter_rows(min_row=2) if row[9].value]
    assert as_xml_reads(prefix) in [cell.value for cell in references if cell.quotePrefix]
    assert all(cell.data_type != "f" for row in movements.active.iter_rows() for cell in row)


@pytest.mark.parametrize("prefix", DANGEROUS)
def test_every_dangerous_prefix_is_escaped_in_the_csv(
    dangerous_shop, accountant, eager_tasks, prefix
):
    today = dangerous_shop
    products = csv_rows(request_run("sales_by_product", accountant, "csv", start=today, end=today))
    assert escaped(prefix) in [row[1] for row in products[1:]]
    assert "Thé vert" in [row[1] for row in products[1:]]
    movements = csv_rows(request_run("stock_movements", accountant, "csv", start=today, end=today))
    assert escaped(prefix) in [row[9] for row in movements[1:]]
    assert unsafe_text("sales_by_product", products) == []
    assert unsafe_text("stock_movements", movements) == []


def unsafe_text(kind: str, table: list[list[str]]) -> list[str]:
    """Text fields a spreadsheet would run as a formula."""
    text = [i for i, column in enumerate(CATALOGUE[kind].columns) if column.kind == "text"]
    return [row[i] for row in table[1:] for i in text if row[i][:1] in tuple(DANGEROUS_FIRST)]


DANGEROUS_FIRST = "=+-@\t\r"


def test_the_parameters_sheet_escapes_a_channel_named_like_a_formula(
    dangerous_shop, accountant, eager_tasks
):
    from sales.models import Channel

    today = dangerous_shop
    stall = Channel.objects.get(name="@Stall")
    run = request_run("sales_summary", accountant, start=today, end=today, channel_id=stall.pk)
    sheets = workbook(run)
    values = {row[0].value: row[1].value for row in sheets["Parameters"].iter_rows()}
    assert values["Channel"] == "@Stall"
    channel_cells = [row[1] for row in sheets["Sales summary"].iter_rows(min_row=2, max_row=2)]
    assert [(cell.value, cell.quotePrefix) for cell in channel_cells] == [("@Stall", True)]


def test_the_xlsx_prints_landscape_on_the_page_width_with_its_header_on_every_page(
    trading, accountant, eager_tasks
):
    run = request_run("sales_summary", accountant, start=trading.first_day, end=trading.last_day)
    sheet = workbook(run)["Sales summary"]
    setup = sheet.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$1:$1"


def test_the_xlsx_columns_are_as_wide_as_their_content(dangerous_shop, accountant, eager_tasks):
    today = dangerous_shop
    run = request_run("stock_movements", accountant, start=today, end=today)
    sheet = workbook(run).active
    for index, column in enumerate(CATALOGUE["stock_movements"].columns, start=1):
        letter = get_column_letter(index)
        values = [row[0].value for row in sheet.iter_rows(min_col=index, max_col=index)]
        width = sheet.column_dimensions[letter].width
        assert width >= len(column.title) + 4, column.title  # the title and its filter button
        shown = [value for value in values[1:] if isinstance(value, str)]
        assert all(len(value) + 2 <= width for value in shown if len(value) < 58), letter
        if column.kind == "datetime":
            assert width >= 16  # never ####
