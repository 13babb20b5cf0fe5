"""What a report is: columns (with their types) and rows, from a query that knows nothing of
files. The writers (`reporting.writers`) turn any report into xlsx or csv."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from backoffice.money import quantum
from backoffice.selectors import store_settings

FINANCE = "finance"  # Accountant and Owner
OPERATIONS = "operations"  # Merchant too
GROUPINGS = ("day", "week", "month")


def cents(value) -> Decimal:
    """A database sum of money, exact to the store currency's smallest unit (SQLite adds
    decimals as floats)."""
    currency = store_settings().currency
    return Decimal(str(value or 0)).quantize(quantum(currency), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text, date, datetime, int, money, decimal, percent
    total: bool = False  # summed in the totals row


@dataclass(frozen=True)
class Parameters:
    start: date
    end: date  # inclusive
    channel_id: int | None = None
    grouping: str = "day"  # day, week or month (sales summary)
    preset: str = "custom"
    # An export of chosen rows: the primary keys of its source rows (products, orders, …) in
    # the export's order; None for a report, or for an export of everything.
    ids: tuple[int, ...] | None = None

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"The period ends ({self.end}) before it starts ({self.start}).")
        if self.grouping not in GROUPINGS:
            raise ValueError(f"{self.grouping!r} is not a grouping; use day, week or month.")

    @property
    def since(self) -> datetime:
        """The start of the first day, in the shop's time zone."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The start of the day after the last one (an exclusive bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def scope(self, rows, moment: str, channel: str):
        """`rows` whose `moment` falls in the period, and of the channel when one is asked
        for (`channel`: the path to the channel's id, e.g. "order__channel_id")."""
        rows = rows.filter(**{f"{moment}__gte": self.since, f"{moment}__lt": self.until})
        return rows.filter(**{channel: self.channel_id}) if self.channel_id else rows

    def as_dict(self) -> dict:
        data: dict[str, object] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "channel_id": self.channel_id,
            "grouping": self.grouping,
            "preset": self.preset,
        }
        if self.ids is not None:
            data["ids"] = list(self.ids)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Parameters":
        return cls(
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            channel_id=data.get("channel_id"),
            grouping=data.get("grouping", "day"),
            preset=data.get("preset", "custom"),
            ids=tuple(data["ids"]) if data.get("ids") is not None else None,
        )


class Report:
    """A report kind. Subclasses name themselves and their columns and yield rows in column
    order, streaming from the database so memory stays flat whatever the period."""

    kind: str
    title: str
    audience: str
    columns: list[Column]
    description: str = ""
    totals_row: bool = True  # an export (a table to read back) has none
    # What a person must be allowed to read, beyond the report's audience: the rows of an
    # export are the model's, so reading the file asks for the model's view permission.
    read_permissions: tuple[str, ...] = ()

    def rows(self, parameters: Parameters) -> Iterator[tuple]:
        raise NotImplementedError

    def describe(self, parameters: Parameters) -> str:
        return f"{self.title}, {parameters.start} to {parameters.end}"
