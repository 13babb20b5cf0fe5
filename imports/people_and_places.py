"""Categories (slug, name, parent slug, description) and customers (email, names, phone):
small files, each row saved through its service, so the rules of an admin edit hold."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from imports import values
from imports.catalog.apply import snapshot
from imports.models import ImportBatch, ImportItem, ItemAction
from imports.outcome import RowStatus
from imports.simple import RowImport, RowPlan
from inventory.models import Category
from inventory.services import category_save
from sales.models import Customer
from sales.services import customer_save

CATEGORY_TEXT = {"name": values.text(200), "description": values.text(10_000)}
CUSTOMER_TEXT = {
    "first_name": values.text(150),
    "last_name": values.text(150),
    "phone": values.text(50),
}


def _cells(row: int, raw: dict, parsers: dict, outcome) -> dict:
    cells = {}
    for name, parse in parsers.items():
        text = (raw.get(name) or "").strip()
        if text:
            try:
                cells[name] = parse(text)
            except values.BadValue as error:
                outcome.problem(row, name, text, str(error))
    return cells


def _diff(plan: RowPlan, instance, cells: dict, is_new: bool) -> None:
    for name, value in cells.items():
        old = getattr(instance, name)
        if is_new or old != value:
            plan.changes[name] = (None if is_new else old, value)
            setattr(instance, name, value)


def _write(plans, batch: ImportBatch, actor, save, label: str) -> None:
    """Each row through its service, with the batch as its reason; an item per row."""
    items = []
    for plan in plans:
        instance, is_new = plan.target
        save(instance, actor, batch.reason)
        before = {} if is_new else snapshot(instance, plan.changes, 0)
        action = ItemAction.CREATED if is_new else ItemAction.CHANGED
        after = snapshot(instance, plan.changes, 1)
        items.append(
            ImportItem(
                batch=batch, model=label, object_id=instance.pk, action=action,
                before=before, after=after,
            )
        )  # fmt: skip
    ImportItem.objects.bulk_create(items)


class CategoriesImport(RowImport):
    required = ["slug"]
    columns = ["slug", "name", "parent_slug", "description"]
    kind = "categories"
    skips_invalid = False  # a category's parent may be a row of the file: all or nothing

    def __init__(self, outcome):
        self.outcome = outcome
        self.by_slug = {c.slug: c for c in Category.objects.all()}
        self.seen: dict[str, int] = {}

    def plan(self, chunk) -> list[RowPlan]:
        return [plan for row, raw in chunk if (plan := self._row(row, raw)) is not None]

    def _row(self, row: int, raw: dict) -> RowPlan | None:
        slug = (raw.get("slug") or "").strip()
        if not slug:
            self.outcome.problem(row, "slug", "", "is required on every row")
            return None
        try:
            values.slug(slug)
        except values.BadValue as error:
            self.outcome.problem(row, "slug", slug, str(error))
            return None
        if slug in self.seen:
            self.outcome.problem(row, "slug", slug, f"is also on row {self.seen[slug]}")
            return None
        self.seen[slug] = row
        found = self.by_slug.get(slug)
        is_new = found is None
        category = self.by_slug[slug] = found or Category(slug=slug)
        plan = RowPlan(row, (category, is_new))
        _diff(plan, category, _cells(row, raw, CATEGORY_TEXT, self.outcome), is_new)
        if is_new and not category.name:
            self.outcome.problem(row, "name", "", "a new category needs a name")
        self._parent(plan, category, row, (raw.get("parent_slug") or "").strip())
        status = RowStatus.NEW if is_new else RowStatus.CHANGED
        self.outcome.mark(row, status if plan.changes else RowStatus.UNCHANGED, f"category {slug}",
                          plan.changes)  # fmt: skip
        return plan if plan.changes else None

    def _parent(self, plan: RowPlan, category: Category, row: int, parent_slug: str) -> None:
        if not parent_slug:
            return
        parent = self.by_slug.get(parent_slug)
        if parent is None:
            self.outcome.problem(row, "parent_slug", parent_slug, "is not a category's slug "
                                 "(in the catalog, or on an earlier row)")  # fmt: skip
            return
        node: Category | None = parent
        chain: set[int] = set()
        while node is not None and id(node) not in chain:
            if node is category:
                self.outcome.problem(row, "parent_slug", parent_slug,
                                     "would place the category inside itself")  # fmt: skip
                return
            chain.add(id(node))
            node = node.parent
        if parent.pk is None or category.parent_id != parent.pk:  # a parent new in the file
            old = category.parent if category.parent_id else None
            plan.changes["parent"] = (old, parent)
            category.parent = parent

    @staticmethod
    def write(plans, batch, actor) -> None:
        def save(category, actor, reason):
            try:
                category_save(category=category, actor=actor, reason=reason)
            except ValidationError as error:  # a rule the plan did not foresee
                raise ValueError(f"category {category.slug}: {error.messages[0]}") from error

        _write(plans, batch, actor, save, "inventory.category")


class CustomersImport(RowImport):
    required = ["email"]
    columns = ["email", *CUSTOMER_TEXT]
    kind = "customers"

    def __init__(self, outcome):
        self.outcome, self.seen = outcome, {}

    def plan(self, chunk) -> list[RowPlan]:
        emails = {(raw.get("email") or "").strip().lower() for _, raw in chunk}
        existing = {
            c.email.lower(): c
            for c in Customer.objects.annotate(lower=Lower("email")).filter(lower__in=emails)
        }
        return [p for row, raw in chunk if (p := self._row(row, raw, existing)) is not None]

    def _row(self, row: int, raw: dict, existing: dict) -> RowPlan | None:
        email = (raw.get("email") or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            message = "is required on every row" if not email else "is not an email address"
            self.outcome.problem(row, "email", email, message)
            return None
        key = email.lower()
        if key in self.seen:
            self.outcome.problem(row, "email", email, f"is also on row {self.seen[key]}")
            return None
        self.seen[key] = row
        customer = existing.get(key)
        is_new = customer is None
        if is_new:
            customer = Customer(email=email)
        plan = RowPlan(row, (customer, is_new))
        _diff(plan, customer, _cells(row, raw, CUSTOMER_TEXT, self.outcome), is_new)
        if is_new:
            plan.changes["email"] = (None, email)
        status = RowStatus.NEW if is_new else RowStatus.CHANGED
        self.outcome.mark(row, status if plan.changes else RowStatus.UNCHANGED,
                          f"customer {email}", plan.changes)  # fmt: skip
        return plan if plan.changes else None

    @staticmethod
    def write(plans, batch, actor) -> None:
        def save(customer, actor, reason):
            customer_save(customer=customer, actor=actor, reason=reason)

        _write(plans, batch, actor, save, "sales.customer")
