"""Products and variants, from the native format or a Shopify export: records read, planned
against the catalog and written a chunk at a time."""

from imports import limits
from imports.catalog.apply import CatalogWriter
from imports.catalog.plan import CatalogPlanner
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
        """Records a chunk at a time: up to `CHUNK_PRODUCTS` products or `CHUNK_ROWS` rows,
        whichever comes first, so a chunk's memory is bounded whatever the products' sizes."""
        chunk, rows = [], 0
        for record in self.records(table, self.outcome):
            chunk.append(record)
            rows += len(record.rows)
            if len(chunk) >= limits.CHUNK_PRODUCTS or rows >= limits.CHUNK_ROWS:
                yield chunk
                chunk, rows = [], 0
        if chunk:
            yield chunk

    def plan(self, chunk):
        return self.planner.plan(chunk)

    def write(self, plans, batch, actor) -> None:
        CatalogWriter(batch, actor).write(plans, self.planner.new_categories)
