"""The periods a report can cover: named presets an accountant thinks in, or custom dates."""

from datetime import date, timedelta

from django.utils import timezone

PRESETS = {
    "yesterday": "Yesterday",
    "last_7_days": "Last 7 days",
    "this_month": "This month",
    "last_month": "Last month",
    "last_quarter": "Last quarter",
    "year_to_date": "Year to date",
    "custom": "Custom dates",
}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def period_for(preset: str, today: date | None = None) -> tuple[date, date]:
    """(first day, last day) of a preset, seen from `today` (the shop's date by default)."""
    today = today or timezone.localdate()
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "last_7_days":
        return today - timedelta(days=7), today - timedelta(days=1)
    if preset == "this_month":
        return _month_start(today), today
    if preset == "last_month":
        last_day = _month_start(today) - timedelta(days=1)
        return _month_start(last_day), last_day
    if preset == "last_quarter":
        quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        last_day = quarter_start - timedelta(days=1)
        return last_day.replace(month=(last_day.month - 1) // 3 * 3 + 1, day=1), last_day
    if preset == "year_to_date":
        return today.replace(month=1, day=1), today
    raise ValueError(f"{preset!r} is not a period preset; use one of: {', '.join(PRESETS)}.")
