"""The report catalogue: every kind by its name."""

from reporting.reports.base import FINANCE, OPERATIONS, Column, Parameters, Report
from reporting.reports.exports import EXPORTS
from reporting.reports.finance import PaymentsAndRefunds, TaxSummary
from reporting.reports.sales import SalesByProduct, SalesSummary
from reporting.reports.stock import InventoryValuation, LowStock, StockMovements

CATALOGUE: dict[str, Report] = {
    report.kind: report
    for report in (
        SalesSummary(),
        SalesByProduct(),
        TaxSummary(),
        PaymentsAndRefunds(),
        InventoryValuation(),
        StockMovements(),
        LowStock(),
        *EXPORTS,
    )
}

__all__ = ["CATALOGUE", "FINANCE", "OPERATIONS", "Column", "Parameters", "Report"]
