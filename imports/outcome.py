"""What a preview finds, row by row: problems (row, column, value, message), notices, and
whether each row is new, changed or unchanged, with field diffs for the first rows shown."""

from dataclasses import dataclass, field
from decimal import Decimal

from imports import limits

PREVIEW_ROWS = 500  # rows with their diffs kept for the preview page
PROBLEMS_KEPT = 1000  # problems listed in full; the error file has them all


class RowStatus:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    ORDER = (NEW, CHANGED, UNCHANGED, INVALID)


STATUS_CODES = {RowStatus.NEW: 1, RowStatus.CHANGED: 2, RowStatus.UNCHANGED: 3}  # 0: none


@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        shown = f" “{self.value}”" if self.value else ""
        return f"{where}:{shown} {self.message}"


def shown(value) -> str:
    """A value as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


@dataclass
class Outcome:
    """Everything one pass over a file found. `rows` keeps the first rows' diffs only, so a
    million-row preview stays small; counts and problems cover every row."""

    rows_seen: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    problem_rows: dict[int, list[str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    # Each row's status as one byte (a code of STATUS_CODES), indexed by row number: a
    # million-row file costs a megabyte.
    statuses: bytearray = field(default_factory=bytearray)
    diffs: dict[int, list] = field(default_factory=dict)
    objects: dict[str, dict[str, int]] = field(default_factory=dict)
    # Notices that hold for many rows, said once with their count: {message: rows}.
    tallies: dict[str, int] = field(default_factory=dict)
    # Products (or rows) that could be applied without the invalid ones, and those skipped.
    units: dict[str, int] = field(default_factory=lambda: {"valid": 0, "skipped": 0})
    # Quantities a file offers as opening stock (Shopify's Variant Inventory Qty).
    opening_stock: dict[str, int] = field(default_factory=lambda: {"variants": 0, "units": 0})

    def problem(self, row: int, column: str, value, message: str) -> None:
        if row not in self.problem_rows and len(self.problem_rows) >= limits.MAX_INVALID_ROWS:
            raise limits.FileTooBig(
                f"More than {limits.MAX_INVALID_ROWS:,} rows are invalid (from row {row}); "
                f"the file is refused whole. The first problem: {self.problems[0]}."
            )
        self.problem_count += 1
        text = str(value if value is not None else "")
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(Problem(row, column, text[:200], message))
        label = f"{column}: {message}" if column else message
        self.problem_rows.setdefault(row, []).append(label)

    def notice(self, message: str) -> None:
        if message not in self.notices and len(self.notices) < 200:
            self.notices.append(message)

    def tally(self, message: str) -> None:
        """One more row of a notice said once with its count ("{rows} row(s): ...")."""
        self.tallies[message] = self.tallies.get(message, 0) + 1

    def all_notices(self) -> list[str]:
        return [*self.notices, *(m.format(rows=n) for m, n in self.tallies.items())]

    def mark(self, row: int, status: str, what: str, changes: dict | None = None) -> None:
        """Row `row` creates, changes or leaves `what` (e.g. "variant TS-RED-M")."""
        kind = what.split(" ", 1)[0]
        counts = self.objects.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1
        code = STATUS_CODES[status]
        if row >= len(self.statuses):
            self.statuses.extend(bytes(row + 1 - len(self.statuses) + 1024))
        current = self.statuses[row]
        if current == 0 or code < current:  # new over changed over unchanged
            self.statuses[row] = code
        if status != RowStatus.UNCHANGED and (row in self.diffs or len(self.diffs) < PREVIEW_ROWS):
            fields = [[k, shown(old), shown(new)] for k, (old, new) in (changes or {}).items()]
            if status == RowStatus.NEW:  # a new row's empty fields say nothing
                fields = [field for field in fields if field[2]]
            entry = [what, status, fields]
            self.diffs.setdefault(row, []).append(entry)

    def touches_problem(self, rows) -> bool:
        return any(row in self.problem_rows for row in rows)

    @property
    def valid(self) -> bool:
        return self.problem_count == 0

    def row_counts(self) -> dict[str, int]:
        """Rows by status; an invalid row counts as invalid only, and a row that touched
        nothing (an image already there) as unchanged."""
        counts = dict.fromkeys(RowStatus.ORDER, 0)
        names = {code: name for name, code in STATUS_CODES.items()}
        for row, code in enumerate(self.statuses):
            if code and row not in self.problem_rows:
                counts[names[code]] += 1
        counts[RowStatus.INVALID] = len(self.problem_rows)
        marked = sum(counts.values())
        counts[RowStatus.UNCHANGED] += max(0, self.rows_seen - marked)
        return counts

    def as_preview(self) -> dict:
        return {
            "counts": self.row_counts(),
            "objects": self.objects,
            "problems": [p.__dict__ for p in self.problems],
            "problem_count": self.problem_count,
            "notices": self.all_notices(),
            "opening_stock": self.opening_stock,
            "units": self.units,
            "rows": [[row, *entry] for row in sorted(self.diffs) for entry in self.diffs[row]],
        }
