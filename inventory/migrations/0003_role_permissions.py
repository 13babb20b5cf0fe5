from django.db import migrations

from backoffice.roles import ACCOUNTANT, MERCHANT, OWNER, grants_operation

CATALOG = ["inventory.Category", "inventory.TaxClass", "inventory.Product",
           "inventory.ProductVariant", "inventory.ProductImage", "inventory.Warehouse"]
ALL_ACTIONS = ["add", "change", "delete", "view"]

# Merchants and Owners run the catalog and move stock ("change" on a stock row is the right to
# receive, adjust, count and transfer it); Accountants read. Nobody may change the ledger.
MANAGE = {
    **{model: ALL_ACTIONS for model in CATALOG},
    "inventory.StockLevel": ["view", "change"],
    "inventory.StockMovement": ["view"],
}
READ = {model: ["view"] for model in [*CATALOG, "inventory.StockLevel", "inventory.StockMovement"]}
GRANTS = {OWNER: MANAGE, MERCHANT: MANAGE, ACCOUNTANT: READ}


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_ledger_append_only"), ("backoffice", "0001_roles")]

    operations = [grants_operation(GRANTS)]
