"""`python manage.py send_webhooks [--every SECONDS]`: turn the change log into webhook
messages and send those due, in this process — what the worker and beat do when there are
workers (the embedded mode has none). With --every, it goes on until interrupted."""

import time

from django.core.management.base import BaseCommand

from integrations.webhooks.delivery import webhook_deliver, webhooks_due
from integrations.webhooks.dispatch import webhooks_dispatch


class Command(BaseCommand):
    help = "Send the webhooks waiting: new events, and retries that are due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, help="Go on, sending again every this many seconds."
        )

    def handle(self, *args, **options):
        while True:
            sent, delivered = self._round()
            self.stdout.write(f"{sent} message(s) sent, {delivered} delivered.")
            if not options["every"]:
                return
            time.sleep(max(options["every"], 1.0))

    def _round(self) -> tuple[int, int]:
        more = True
        while more:
            _, more = webhooks_dispatch()  # new messages have no next attempt: all due
        attempts = [webhook_deliver(message_id) for message_id in webhooks_due()]
        made = [attempt for attempt in attempts if attempt is not None]
        delivered = sum(1 for attempt in made if attempt.status_code and attempt.status_code < 300)
        return len(made), delivered
