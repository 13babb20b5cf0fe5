"""`python manage.py check_stock_integrity`: prove the stock levels equal their ledger.

Exits 1 and lists every (SKU, warehouse) whose quantities differ from the sum of its
movements; exits 0 when the ledger explains every quantity.
"""

from django.core.management.base import BaseCommand, CommandError

from inventory.selectors import stock_drift_list


class Command(BaseCommand):
    help = "Replay the stock ledger and report every stock row that differs from it."

    def handle(self, *args, **options):
        drifts = list(stock_drift_list())
        if not drifts:
            self.stdout.write(self.style.SUCCESS("Stock levels match the ledger."))
            return
        for d in drifts:
            self.stdout.write(
                f"{d.sku} @ {d.warehouse}: on hand {d.level_on_hand} (ledger {d.ledger_on_hand}), "
                f"allocated {d.level_allocated} (ledger {d.ledger_allocated})"
            )
        raise CommandError(f"{len(drifts)} stock row(s) differ from the ledger.")
