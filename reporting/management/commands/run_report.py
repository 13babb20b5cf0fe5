"""`python manage.py run_report KIND --start YYYY-MM-DD --end YYYY-MM-DD --format xlsx|csv
--output PATH`: the same report the admin requests, written synchronously to a local file."""

import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError

from backoffice.exceptions import DomainError
from reporting.reports import CATALOGUE
from reporting.services import parameters_for, report_metadata, report_of
from reporting.writers import WRITERS, Written
from sales.models import Channel


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date like 2026-01-31.") from error


def _write_whole(path: Path, write: Callable[[BinaryIO], Written]) -> Written:
    """Write into a temporary file next to `path` and move it into place once complete, so a
    report that fails half-way leaves no file (and never a truncated one) behind."""
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"Cannot write {path}: the folder {folder} does not exist.")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as target:
            result = write(target)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return result


class Command(BaseCommand):
    help = "Run a report now and write it to a file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(CATALOGUE))
        parser.add_argument("--start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--end", required=True, help="Last day (included), YYYY-MM-DD.")
        parser.add_argument("--format", choices=sorted(WRITERS), default="xlsx")
        parser.add_argument("--output", required=True, help="Where to write the file.")
        parser.add_argument("--channel", type=int, default=None, help="A channel id.")
        parser.add_argument("--grouping", choices=["day", "week", "month"], default="day")

    def handle(self, *args, **options):
        try:
            report = report_of(options["kind"])
            parameters = parameters_for(
                preset="custom",
                start=_date(options["start"]),
                end=_date(options["end"]),
                channel_id=options["channel"],
                grouping=options["grouping"],
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        channel = parameters.channel_id
        if channel is not None and not Channel.objects.filter(pk=channel).exists():
            raise CommandError(f"There is no channel with the id {channel}.")
        metadata = [*report_metadata(report, parameters), ("Requested by", "command line")]
        output = Path(options["output"])
        try:
            written = _write_whole(
                output,
                lambda target: WRITERS[options["format"]](
                    report, parameters, report.rows(parameters), target, metadata
                ),
            )
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        self.stdout.write(f"{report.describe(parameters)}: {written.rows} rows → {output}")
