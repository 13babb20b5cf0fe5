from django.db import migrations

from backoffice.roles import ACCOUNTANT, MERCHANT, OWNER, grants_operation

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


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_reports_and_rollups"), ("backoffice", "0001_roles")]

    operations = [grants_operation(GRANTS)]
