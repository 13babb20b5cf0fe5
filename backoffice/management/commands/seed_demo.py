"""Fill the database with demo data: `python manage.py seed_demo`.

Idempotent: a second run finds everything in place and changes nothing. Refuses to run in
production mode, where demo logins with a known password would be a hole.

The demo catalog is dated as received a week before the demo's first order, and the sales
demo (two channels, about 300 customers, about 2,000 orders over the last twelve months) is
played through the services with the clock set to each step's moment: see `sales.demo.clock`.

`--variants N` adds N synthetic variants (SYN-…) on top, a large catalog for benchmarks;
`--orders N` adds N synthetic orders (SYN-…) with several lines each. Each run adds N more.
"""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from backoffice import roles
from backoffice.demo import seed_store_settings
from backoffice.exceptions import DomainError
from inventory.demo import catalog_summary, seed_demo_catalog, seed_synthetic_catalog
from inventory.demo.catalog import seed_tax_classes
from reporting.rollups import daily_sales_rebuild
from sales.demo import (
    clock_at,
    opening_moment,
    sales_summary,
    seed_demo_sales,
    seed_synthetic_orders,
)

DEMO_PASSWORD = "demo"  # noqa: S105 - demo logins, refused in production mode

# username -> (role, superuser?, first name)
DEMO_USERS = {
    "admin": (roles.OWNER, True, "Alex"),
    "merchant": (roles.MERCHANT, False, "Morgan"),
    "accountant": (roles.ACCOUNTANT, False, "Avery"),
}


class Command(BaseCommand):
    help = (
        "Create the demo users, the demo catalog with its stock, and a year of demo orders. "
        "Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--variants",
            type=int,
            default=0,
            metavar="N",
            help="Also add N synthetic variants (about four per product) for benchmarks.",
        )
        parser.add_argument(
            "--no-catalog",
            action="store_true",
            help="Only the demo logins, without the demo catalog (quicker, e.g. for tests).",
        )
        parser.add_argument(
            "--no-sales",
            action="store_true",
            help="Without the demo channels, customers and orders (quicker, e.g. for tests).",
        )
        parser.add_argument(
            "--orders",
            type=int,
            default=0,
            metavar="N",
            help="Also add N synthetic orders (two to six lines each) for benchmarks.",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION_MODE:
            raise CommandError(
                "seed_demo refuses to run in production mode (DATABASE_URL is set and "
                "DJANGO_DEBUG is off): it would create logins with a known password."
            )
        for option in ("variants", "orders"):
            if options[option] < 0:
                raise CommandError(f"--{option} must be zero or more, not {options[option]}.")
        with transaction.atomic():
            created = [username for username in DEMO_USERS if self.ensure_user(username)]
        catalog_created = False
        if not options["no_catalog"]:
            with clock_at(opening_moment()):
                catalog_created = seed_demo_catalog()
        seed_store_settings({} if options["no_catalog"] else seed_tax_classes())
        if options["variants"]:
            seed_synthetic_catalog(options["variants"], self.stdout)
        with_sales = not options["no_catalog"] and not options["no_sales"]
        # A year of documents: each gets its PDF at its first download, not now.
        with override_settings(DOCUMENT_PDFS_AT_ISSUE=False):
            sales_created = with_sales and seed_demo_sales()
        if options["orders"]:
            try:
                seed_synthetic_orders(options["orders"], self.stdout)
            except DomainError as error:
                raise CommandError(str(error)) from error
        if sales_created or options["orders"]:
            daily_sales_rebuild()  # bulk-written synthetic orders bypass the services' refresh
        self.print_logins(created)
        if not options["no_catalog"] or options["variants"]:
            state = "created" if catalog_created else "already there"
            self.stdout.write(f"{catalog_summary()} (demo catalog {state})")
        if with_sales or options["orders"]:
            state = ""
            if with_sales:
                state = (
                    " (demo orders created)" if sales_created else " (demo orders already there)"
                )
            self.stdout.write(f"{sales_summary()}{state}")

    def ensure_user(self, username: str) -> bool:
        role, superuser, first_name = DEMO_USERS[username]
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "email": f"{username}@example.com",
                "is_staff": True,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        return created

    def print_logins(self, created: list[str]) -> None:
        self.stdout.write(self.style.SUCCESS("Demo logins (password: demo):"))
        for username, (role, superuser, _name) in DEMO_USERS.items():
            note = " (superuser)" if superuser else ""
            state = "created" if username in created else "already there"
            self.stdout.write(f"  {username:<11} {role}{note} - {state}")
