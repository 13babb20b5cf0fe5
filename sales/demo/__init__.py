"""Demo data for `seed_demo`: channels, customers and a year of orders played through the
services (`orders`, from the stories planned in `stories`), and bulk orders for benchmarks
(`synthetic`)."""

from sales.demo.clock import clock_at, opening_moment
from sales.demo.data import SYNTHETIC_ORDER
from sales.demo.orders import sales_summary, seed_demo_sales
from sales.demo.synthetic import seed_synthetic_orders

__all__ = [
    "SYNTHETIC_ORDER",
    "clock_at",
    "opening_moment",
    "sales_summary",
    "seed_demo_sales",
    "seed_synthetic_orders",
]
