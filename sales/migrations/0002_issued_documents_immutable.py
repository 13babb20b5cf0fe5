from django.db import migrations

from backoffice.migration_helpers import append_only_trigger_sql, on_postgresql

# An issued invoice or credit note is never changed or removed: corrections are new documents.
TABLES = ["sales_invoice", "sales_invoiceline", "sales_creditnote", "sales_creditnoteline"]


def operations():
    for table in TABLES:
        create, drop = append_only_trigger_sql(table, f"issued documents are immutable ({table})")
        yield migrations.RunPython(on_postgresql(create), on_postgresql(drop))


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_sales")]

    operations = list(operations())
