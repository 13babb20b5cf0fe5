"""`python manage.py run_report KIND --start YYYY-MM-DD --end YYYY-MM-DD --format xlsx|csv
--output PATH`: the same report the admin requests, written synchronously to a local file."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from backoffice.exceptions import DomainError
from reporting.reports import CATALOGUE
from reporting.services import parameters_for, report_of
from reporting.writers import WRITERS


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date like 2026-01-31.") from error


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
        metadata = [("Report", report.title), ("From", parameters.start), ("To", parameters.end)]
        try:
            with open(options["output"], "wb") as target:
                written = WRITERS[options["format"]](
                    report, parameters, report.rows(parameters), target, metadata
                )
        except OSError as error:
            raise CommandError(f"Cannot write {options['output']}: {error.strerror}.") from error
        self.stdout.write(
            f"{report.describe(parameters)}: {written.rows} rows → {options['output']}"
        )
