"""Dating demo rows in the past.

The demo shop has been trading for a year, but every service stamps `timezone.now()`: the
times an order is placed, paid and shipped, the `auto_now` columns, the history rows, the
year of an order number, and an invoice's date, year and place in its yearly number series.
Rewriting those afterwards with `.update()` cannot work: an issued invoice or credit note is
immutable (on PostgreSQL a trigger refuses the update), and its number was taken from the
year it was issued in. So the demo runs each service call with the clock set to the moment
the story says it happened, in time order, and every row is written as the service writes it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from django.utils import timezone

from sales.demo.data import DAYS


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Make `timezone.now()` answer `moment` while the block runs.

    For seeding only: it replaces the function for the whole process, which is safe in a
    management command that runs one thing at a time, and is undone when the block ends.
    """
    if timezone.is_naive(moment):
        raise ValueError("The demo clock needs a timezone-aware moment.")
    real_now = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real_now


def demo_start() -> datetime:
    """Midnight (local time) twelve months ago: the first day of the demo's trading."""
    first_day = timezone.localdate() - timedelta(days=DAYS)
    return timezone.make_aware(datetime.combine(first_day, time.min))


def opening_moment() -> datetime:
    """When the demo shop received its opening stock: a week before its first order."""
    return demo_start() - timedelta(days=7) + timedelta(hours=9)
