"""Products and variants, from the native format or a Shopify export: records read, planned
against the catalog and written a chunk at a time."""

from itertools import islice

from imports.catalog.apply import CatalogWriter
from imports.catalog.plan import CHUNK, CatalogPlanner
from imports.catalog.records import native_records
from imports.catalog.shopify import shopify_records
from imports.outcome import Outcome
from imports.reading import Table


class CatalogImport:
    unit = "products"
    skips_invalid = True  # a product with an invalid row is skipped whole

    def __init__(self, outcome: Outcome, *, shopify: bool):
        self.outcome = outcome
        self.planner = CatalogPlanner(outcome, shopify=shopify)
        self.records = shopify_records if shopify else native_records

    def chunks(self, table: Table):
        records = self.records(table, self.outcome)
        while chunk := list(islice(records, CHUNK)):
            yield chunk

    def plan(self, chunk):
        return self.planner.plan(chunk)

    def write(self, plans, batch, actor) -> None:
        CatalogWriter(batch, actor).write(plans, self.planner.new_categories)
