"""Reports as files: xlsx in openpyxl's write-only mode (rows stream to disk, memory stays
flat) with typed cells, a styled frozen header, an autofilter, a totals row, columns as wide as
their content, a landscape print fitted to the page's width with the header on every page, and
a sheet of parameters; or csv in UTF-8. Text that a spreadsheet would run as a formula is a
text cell in xlsx and escaped with a leading quote in csv. An export (a report with `totals_row = False`) is a plain table: no totals row, so the
file reads back as it was written. `cell_value` and `cell_text` are what every export uses
for one cell, in a spreadsheet and in a text file."""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from typing import Protocol

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from backoffice.money import spreadsheet_format
from backoffice.selectors import store_settings
from reporting.reports.base import Column, Parameters


class Table(Protocol):
    """What the writers read of a report (or of an export built in a request)."""

    @property
    def title(self) -> str: ...

    @property
    def columns(self) -> list[Column]: ...

    @property
    def totals_row(self) -> bool: ...


DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 5000
MEASURED_ROWS = 1000  # the rows column widths are fitted to
MAX_WIDTH = 60
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="4B5563")
BOLD = Font(bold=True)
FORMATS = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "int": "#,##0",
    "decimal": "#,##0.0##",
    "percent": "0.0%",
}


def escape_text(value: str) -> str:
    """A leading quote makes a spreadsheet show the text instead of running it."""
    return f"'{value}" if value.startswith(DANGEROUS_STARTS) else value


def money_format() -> str:
    return spreadsheet_format(store_settings().currency)


@dataclass
class Written:
    rows: int


def cell_value(value):
    """A value as a spreadsheet cell holds it: aware datetimes in the shop's time zone, text
    escaped and without the control characters a workbook cannot hold."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str):
        return escape_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _xlsx_cell(sheet, value) -> WriteOnlyCell:
    """A cell of the workbooks written here. Text a spreadsheet would run as a formula is a
    text cell with the spreadsheet's own hidden quote prefix: it reads as typed (`+33 6 39…`,
    `=SUM(A1)`), is never run, not even once edited, and shows no apostrophe."""
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=cell_value(value))
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=text)
    if text.startswith(DANGEROUS_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _cell(sheet, value, column: Column, font=None):
    cell = _xlsx_cell(sheet, value)
    if column.kind == "money":
        cell.number_format = money_format()
    elif column.kind in FORMATS:
        cell.number_format = FORMATS[column.kind]
    if font is not None:
        cell.font = font
    return cell


def _header(sheet, columns: list[Column]):
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cells.append(cell)
    return cells


def write_xlsx(
    report: Table,
    parameters: Parameters | None,
    rows: Iterable[tuple],
    target,
    metadata: list[tuple[str, object]],
    progress: Callable[[int], None] = lambda rows: None,
) -> Written:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(report.title[:31])
    columns = report.columns
    # A write-only sheet takes its widths before its rows: they fit the first rows.
    rows = iter(rows)
    first_rows = list(islice(rows, MEASURED_ROWS))
    for index, width in enumerate(column_widths(columns, first_rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    _print_setup(sheet)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet, columns))
    totals = [Decimal(0) if column.total else None for column in columns]
    count = 0
    for row in chain(first_rows, rows):
        sheet.append(
            [_cell(sheet, value, column) for value, column in zip(row, columns, strict=True)]
        )
        for index, value in enumerate(row):
            if totals[index] is not None and value is not None:
                totals[index] += value
        count += 1
        if count % PROGRESS_EVERY == 0:
            progress(count)
    last_column = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"
    if report.totals_row:
        totals_row = [
            _cell(sheet, "Total" if index == 0 else totals[index], column, BOLD)
            for index, column in enumerate(columns)
        ]
        sheet.append(totals_row)
    _parameters_sheet(book, [*metadata, ("Rows", count)])
    book.save(target)
    return Written(rows=count)


def _display_width(value, column: Column) -> int:
    """About how many characters a cell shows."""
    if value is None:
        return 0
    if column.kind == "money":
        return len(f"{value:,.3f}") + 4  # the currency code after it
    if column.kind in ("int", "decimal"):
        return len(f"{value:,}")
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if column.kind == "percent":
        return 7
    return max((len(line) for line in str(value).splitlines()), default=0)


def column_widths(columns: list[Column], rows: list[tuple]) -> list[float]:
    """Widths that fit the header (and its filter button) and the widest of `rows`, within
    bounds, so that dates and totals never show as ####."""
    widths: list[float] = []
    for index, column in enumerate(columns):
        widest = max((_display_width(row[index], column) for row in rows), default=0)
        widths.append(min(max(len(column.title) + 4, widest + 2, 8), MAX_WIDTH))
    return widths


def _print_setup(sheet) -> None:
    """Printed: landscape, the columns fitted to the page's width, the header on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _parameters_sheet(book, metadata: list[tuple[str, object]]) -> None:
    sheet = book.create_sheet("Parameters")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 48
    for label, value in metadata:
        name = WriteOnlyCell(sheet, value=label)
        name.font = BOLD
        cell = _xlsx_cell(sheet, value if value is not None else "")
        if isinstance(value, datetime):
            cell.number_format = FORMATS["datetime"]
        elif isinstance(value, date):
            cell.number_format = FORMATS["date"]
        sheet.append([name, cell])


def cell_text(value) -> str:
    """A value as a text file (csv) holds it: times in the shop's time zone (ISO 8601), yes/no
    as TRUE/FALSE, text escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return escape_text(value)
    return str(value)


def write_csv(
    report: Table,
    parameters: Parameters | None,
    rows: Iterable[tuple],
    target,
    metadata: list[tuple[str, object]],
    progress: Callable[[int], None] = lambda rows: None,
) -> Written:
    text = io.TextIOWrapper(target, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow([column.title for column in report.columns])
    count = 0
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
        count += 1
        if count % PROGRESS_EVERY == 0:
            progress(count)
    text.flush()
    text.detach()
    return Written(rows=count)


WRITERS = {"xlsx": write_xlsx, "csv": write_csv}
