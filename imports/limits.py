"""What one import may hold, so that a big or hostile file costs a bounded amount of memory and
time: rows, columns, cells, one cell's length, variants and images per product (Shopify's own
limits), and — checked on the archive before any XML is parsed — an xlsx file's uncompressed
size, compression ratios and shared strings (openpyxl keeps every shared string in memory,
even in read-only mode: a 0.35 MB workbook of repeated tiny strings otherwise costs a worker
hundreds of megabytes).

The bound for one import, whatever the file: one chunk of records (`CHUNK_PRODUCTS` products
or `CHUNK_ROWS` rows), a byte per row for its status, the problems' messages (a few per
invalid row, for at most `MAX_INVALID_ROWS` rows), and for an xlsx its shared strings (at most `MAX_SHARED_STRINGS`, from at most
`MAX_SHARED_STRINGS_MB` of XML). `bench/bench_hostile_imports.py` measures it."""

import re
import zipfile
import zlib

from django.conf import settings

from imports.errors import ImportFileError

MAX_COLUMNS = 1_000
MAX_CELLS = 100_000_000  # non-blank cells of one file
MAX_CELL_CHARS = 1_000_000
# Shopify's limits: 2,048 variants and 250 images per product.
MAX_VARIANTS_PER_PRODUCT = 2_048
MAX_IMAGES_PER_PRODUCT = 250
MAX_INVALID_ROWS = 100_000  # problems are kept per row (for the error file): bounded too
CHUNK_PRODUCTS = 1_000
CHUNK_ROWS = 10_000

# xlsx: the archive as it would be unpacked.
MAX_XLSX_UNCOMPRESSED_MB = 1_000
MAX_COMPRESSION_RATIO = 200  # XML packs 5–30 times; a bomb packs thousands of times
RATIO_CHECKED_FROM = 10 * 1024 * 1024  # small members may pack as tightly as they like
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_STRINGS_MB = 100
SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")


class FileTooBig(ImportFileError):
    """The file is beyond what one import holds; the message says which limit and what to do."""


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def check_columns(count: int) -> None:
    if count > MAX_COLUMNS:
        raise FileTooBig(
            f"The file has {count:,} columns; an import reads at most {MAX_COLUMNS:,}."
        )


def check_row(number: int) -> None:
    """Row `number` (the header is row 1) is within the rows a file may have."""
    if number > max_rows() + 1:
        raise FileTooBig(
            f"The file has more than {max_rows():,} rows, the most one import takes: split it."
        )


def xlsx_shared_strings(stream) -> int:
    """Check an xlsx archive before it is opened: its unpacked size, each member's
    compression ratio, and its shared strings, counted by streaming the XML through zlib
    without parsing it. Returns how many shared strings it has."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileTooBig("The file is not a readable xlsx workbook.") from error
    total = 0
    shared = None
    for member in archive.infolist():
        total += member.file_size
        if (
            member.file_size >= RATIO_CHECKED_FROM
            and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise FileTooBig(
                f"The workbook's {member.filename} unpacks to {member.file_size / 2**20:,.0f} MB "
                f"from {member.compress_size / 2**20:,.2f} MB: it is not a spreadsheet an "
                "import opens (save it again as csv)."
            )
        if member.filename.lower().endswith("sharedstrings.xml"):
            shared = member
    if total > MAX_XLSX_UNCOMPRESSED_MB * 2**20:
        raise FileTooBig(
            f"The workbook unpacks to {total / 2**20:,.0f} MB; an import opens at most "
            f"{MAX_XLSX_UNCOMPRESSED_MB:,} MB: save it as csv, or split it."
        )
    count = _count_shared_strings(archive, shared) if shared is not None else 0
    stream.seek(0)
    return count


def _count_shared_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    if member.file_size > MAX_SHARED_STRINGS_MB * 2**20:
        raise _too_many_strings(f"{member.file_size / 2**20:,.0f} MB of them")
    count, tail = 0, b""
    try:
        with archive.open(member) as xml:
            while chunk := xml.read(1 << 20):
                data = tail + chunk
                # Tags starting in the last bytes may be cut: they are counted next round.
                cut = max(0, len(data) - 64)
                count += sum(1 for m in SHARED_STRING.finditer(data) if m.start() < cut)
                tail = data[cut:]
                if count > MAX_SHARED_STRINGS:
                    raise _too_many_strings(f"more than {MAX_SHARED_STRINGS:,}")
        count += len(SHARED_STRING.findall(tail))
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
        raise FileTooBig("The file is not a readable xlsx workbook.") from error
    if count > MAX_SHARED_STRINGS:
        raise _too_many_strings(f"more than {MAX_SHARED_STRINGS:,}")
    return count


def _too_many_strings(how_many: str) -> FileTooBig:
    return FileTooBig(
        f"The workbook holds {how_many} distinct texts, beyond what an import opens "
        f"({MAX_SHARED_STRINGS:,}, {MAX_SHARED_STRINGS_MB} MB): save it as csv."
    )
