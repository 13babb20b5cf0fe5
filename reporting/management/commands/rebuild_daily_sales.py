"""`python manage.py rebuild_daily_sales`: count the dashboard's daily sales again from the
orders and refunds, as the nightly task does (after an upgrade that changed what they count,
or on a server without a task scheduler)."""

from django.core.management.base import BaseCommand

from reporting.rollups import daily_sales_rebuild


class Command(BaseCommand):
    help = "Count the dashboard's daily sales again from the orders and refunds."

    def handle(self, *args, **options):
        rows = daily_sales_rebuild()
        self.stdout.write(f"{rows} day(s) of sales counted.")
