"""Reading the files merchants bring: csv in the encodings and delimiters spreadsheets save
(UTF-8 with or without BOM, Windows-1252, Latin-1; comma, semicolon, tab), and xlsx read
with openpyxl in read-only mode (its XML parsed by defusedxml, which is installed). Rows
stream: a million-row file is never held in memory whole.

Every refusal is an `ImportFileError` with a message a merchant can act on."""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings

from imports import limits
from imports.errors import ImportFileError
from reporting.writers import DANGEROUS_STARTS

DELIMITERS = ",;\t"
csv.field_size_limit(limits.MAX_CELL_CHARS)
SNIFF_BYTES = 64 * 1024
FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx"}


@dataclass
class Table:
    """A file's header and its rows, each a dict by column name with its row number (the
    header is row 1, as a spreadsheet counts)."""

    columns: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    file_format: str
    encoding: str = ""
    delimiter: str = ""
    notices: list[str] = field(default_factory=list)
    text: io.TextIOWrapper | None = None
    shared_strings: int = 0  # an xlsx file's distinct texts, which opening it holds in memory
    estimated_rows: int = 0  # what an xlsx sheet says of its size (it may be wrong)

    def release(self) -> None:
        """Let go of the binary stream without closing it (a text wrapper closes the stream
        it wraps when it goes away; the caller may still need it)."""
        if self.text is not None:
            self.text.detach()
            self.text = None


def file_format_of(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise ImportFileError(
            f"{name!r} is not a file this import reads: use .csv (or .tsv, .txt) or .xlsx."
        )
    return FORMATS[suffix]


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_MB
    if size > limit * 1024 * 1024:
        raise ImportFileError(
            f"The file is {size / 1024 / 1024:.1f} MB; imports take files up to {limit} MB. "
            "Split it, or import csv rather than xlsx (it is smaller)."
        )
    if size == 0:
        raise ImportFileError("The file is empty.")


def read_table(stream, name: str) -> Table:
    """Open a binary stream (seekable) as a table, refusing what cannot be read."""
    stream.seek(0, io.SEEK_END)
    check_size(stream.tell())
    stream.seek(0)
    if file_format_of(name) == "xlsx":
        return _read_xlsx(stream)
    return _read_csv(stream)


# --- csv ---------------------------------------------------------------------------------------


def detect_encoding(stream) -> str:
    """UTF-8 (BOM or not) when the whole file decodes as UTF-8; otherwise Windows-1252, or
    Latin-1 for the few bytes Windows-1252 leaves undefined. UTF-16 (what "Unicode text"
    saves) is refused with the way out."""
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            "The file is UTF-16 text; save it as “CSV UTF-8 (comma delimited)” and import again."
        )
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        if _decodes(stream, encoding):
            return encoding
    raise ImportFileError("The file's characters could not be read.")  # latin-1 reads anything


def _decodes(stream, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    stream.seek(0)
    try:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            if b"\x00" in chunk:
                raise ImportFileError(
                    "The file holds binary data, not text: is it really a csv file?"
                )
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def detect_delimiter(sample: str) -> str:
    first_line = sample.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        # One column, or a sample the sniffer cannot decide on: the header line decides.
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","


def _read_csv(stream) -> Table:
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    sample = text.read(SNIFF_BYTES)
    text.seek(0)
    delimiter = detect_delimiter(sample)
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as error:
        raise ImportFileError(f"The file is not a readable csv: {error}.") from error
    columns = _columns(header)
    notices = []
    if encoding != "utf-8-sig":
        notices.append(f"Read as {'Windows-1252' if encoding == 'cp1252' else 'Latin-1'} text.")
    return Table(
        columns=columns,
        rows=_csv_rows(reader, columns),
        file_format="csv",
        encoding=encoding,
        delimiter=delimiter,
        notices=notices,
        text=text,
    )


def _csv_rows(reader, columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows numbered as a spreadsheet shows them (a cell's line breaks do not count)."""
    width, number, cells_seen = len(columns), 1, 0
    try:
        for number, cells in enumerate(reader, start=2):
            limits.check_row(number)
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                raise ImportFileError(
                    f"Row {number} has {len(cells)} cells but the header names {width} "
                    "columns: is a delimiter or a quote out of place?"
                )
            cells_seen = _count_cells(cells_seen, cells)
            yield number, {c: unescape(v) for c, v in zip(columns, cells, strict=False)}
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ImportFileError(
                f"Row {number + 1} holds a cell longer than {limits.MAX_CELL_CHARS:,} "
                "characters, the most an import reads."
            ) from error
        raise ImportFileError(f"Row {number + 1} is not readable csv: {error}.") from error


def _count_cells(seen: int, cells) -> int:
    seen += sum(1 for cell in cells if cell)
    if seen > limits.MAX_CELLS:
        raise limits.FileTooBig(
            f"The file holds more than {limits.MAX_CELLS:,} filled cells, the most one import "
            "takes: split it."
        )
    return seen


def unescape(text: str) -> str:
    """Exports write text that a spreadsheet would run as a formula with a leading apostrophe
    ("'=SUM…", "'+33…"); reading it back takes the apostrophe off."""
    if text[:1] == "'" and text[1:2] and text[1] in DANGEROUS_STARTS:
        return text[1:]
    return text


def _columns(header: list) -> list[str]:
    limits.check_columns(len(header))
    columns = [str(c if c is not None else "").strip() for c in header]
    while columns and not columns[-1]:
        columns.pop()
    if not columns:
        raise ImportFileError("The first row must name the columns; it is empty.")
    seen = set()
    for name in columns:
        if name and name in seen:
            raise ImportFileError(f"The column {name!r} appears twice in the header.")
        seen.add(name)
    return columns


# --- xlsx --------------------------------------------------------------------------------------


def _read_xlsx(stream) -> Table:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    shared_strings = limits.xlsx_shared_strings(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError("The file is not a readable xlsx workbook.") from error
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        columns = _columns(list(next(values)))
    except StopIteration:
        raise ImportFileError("The workbook's first sheet is empty.") from None
    table = Table(columns=columns, rows=_xlsx_rows(values, columns), file_format="xlsx")
    table.shared_strings = shared_strings
    table.estimated_rows = max((sheet.max_row or 1) - 1, 0)
    return table


def _xlsx_rows(values, columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    cells_seen = 0
    for number, cells in enumerate(values, start=2):
        limits.check_row(number)
        texts = [_cell_text(c) for c in cells[: len(columns)]]
        if any(t.strip() for t in texts):
            if any(len(t) > limits.MAX_CELL_CHARS for t in texts):
                raise ImportFileError(
                    f"Row {number} holds a cell longer than {limits.MAX_CELL_CHARS:,} "
                    "characters, the most an import reads."
                )
            cells_seen = _count_cells(cells_seen, texts)
            yield number, {c: unescape(v) for c, v in zip(columns, texts, strict=False)}


def _cell_text(value) -> str:
    """Cells as the text a csv would hold: whole numbers without ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def column_key(name: str) -> str:
    """A header cell as compared: case and spacing do not matter ("variant  sku" is
    "Variant SKU")."""
    return " ".join(name.split()).casefold()


def use_column_names(table: Table, names) -> None:
    """Header cells that match one of `names` but for case or spacing take its spelling."""
    spelling = {column_key(name): name for name in names}
    renamed = [spelling.get(column_key(c), c) if c else c for c in table.columns]
    if renamed == table.columns:
        return
    seen: dict[str, str] = {}
    for original, name in zip(table.columns, renamed, strict=True):
        if name and name in seen:
            raise ImportFileError(
                f"The columns {seen[name]!r} and {original!r} are the same column {name!r}."
            )
        seen[name] = original
    # In place: the rows (not read yet) are keyed by this very list.
    table.columns[:] = renamed


def require_columns(table: Table, required: list[str], *, kind: str, known=()) -> None:
    """Check the `required` columns are there, after matching the header to the `required`
    and `known` names whatever their case and spacing."""
    use_column_names(table, [*required, *known])
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise ImportFileError(
            f"A {kind} file needs the column(s) {', '.join(missing)}; the file has "
            f"{', '.join(c for c in table.columns if c) or 'none'}."
        )
