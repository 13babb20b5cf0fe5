from django.db import migrations

from backoffice.roles import ACCOUNTANT, MERCHANT, OWNER, grants_operation

# Those who manage the catalog and stock import files and revert imports; the accountant
# sees what was imported.
MANAGE = {"imports.ImportBatch": ["add", "view", "apply_importbatch"]}
READ = {"imports.ImportBatch": ["view"]}
GRANTS = {OWNER: MANAGE, MERCHANT: MANAGE, ACCOUNTANT: READ}


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial"), ("backoffice", "0001_roles")]

    operations = [grants_operation(GRANTS)]
