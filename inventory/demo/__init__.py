"""Demo data for `seed_demo`: the demo catalog (`catalog`, built from the reference data in
`data`) and a synthetic catalog for benchmarks (`synthetic`)."""

from inventory.demo.catalog import catalog_summary, seed_demo_catalog
from inventory.demo.synthetic import SYNTHETIC_SKU, seed_synthetic_catalog

__all__ = ["SYNTHETIC_SKU", "catalog_summary", "seed_demo_catalog", "seed_synthetic_catalog"]
