from django.db import migrations

from backoffice.roles import ACCOUNTANT, MERCHANT, OWNER, grant, revoke

# Everyone who reads the business requests and schedules reports; which kinds is decided by
# `request_finance_reports` (Accountant and Owner: all; Merchant: the operational ones).
REPORTS = {
    "reporting.ReportRun": ["add", "view", "request_finance_reports"],
    "reporting.ReportSchedule": ["add", "change", "delete", "view"],
}
OPERATIONS = {
    "reporting.ReportRun": ["add", "view"],
    "reporting.ReportSchedule": ["add", "change", "delete", "view"],
}
GRANTS = {OWNER: REPORTS, ACCOUNTANT: REPORTS, MERCHANT: OPERATIONS}


def forwards(apps, schema_editor):
    for role, grants in GRANTS.items():
        grant(apps, role, grants)


def backwards(apps, schema_editor):
    for role, grants in GRANTS.items():
        revoke(apps, role, grants)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_reports_and_rollups"), ("backoffice", "0001_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
