from django.db import migrations

from backoffice.roles import ACCOUNTANT, MERCHANT, OWNER, grant, revoke

# Those who manage the catalog and stock import files and revert imports; the accountant
# sees what was imported.
MANAGE = {"imports.ImportBatch": ["add", "view", "apply_importbatch"]}
READ = {"imports.ImportBatch": ["view"]}
GRANTS = {OWNER: MANAGE, MERCHANT: MANAGE, ACCOUNTANT: READ}


def forwards(apps, schema_editor):
    for role, grants in GRANTS.items():
        grant(apps, role, grants)


def backwards(apps, schema_editor):
    for role, grants in GRANTS.items():
        revoke(apps, role, grants)


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial"), ("backoffice", "0001_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
