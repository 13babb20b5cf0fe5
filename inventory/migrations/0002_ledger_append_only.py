from django.db import migrations

from backoffice.migration_helpers import on_postgresql

# On PostgreSQL the database itself refuses to change or remove a ledger row, whoever asks.
CREATE = """
CREATE FUNCTION inventory_stockmovement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the stock ledger is append-only: % of a movement refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inventory_stockmovement_append_only
    BEFORE UPDATE OR DELETE ON inventory_stockmovement
    FOR EACH ROW EXECUTE FUNCTION inventory_stockmovement_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS inventory_stockmovement_append_only ON inventory_stockmovement;
DROP FUNCTION IF EXISTS inventory_stockmovement_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_catalog_and_stock")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
