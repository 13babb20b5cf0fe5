"""Who may request, list and download which reports: Accountant and Owner every report,
Merchant the operational ones; the same answer in the form, the service, the run list and the
download. Nobody adds, changes or deletes runs through the admin."""

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from reporting.forms import RequestReportForm
from reporting.models import ReportRun, RunStatus
from reporting.reports import CATALOGUE, Parameters
from reporting.reports.exports import EXPORTS
from reporting.services import report_request
from tests.factories import UserFactory
from tests.reporting.conftest import request_run

EVERY = set(CATALOGUE)
# The operational reports, and the exports that run as reports (catalog, stock, orders, …).
OPERATIONAL = {"stock_movements", "low_stock", "sales_by_product", *(r.kind for r in EXPORTS)}
ROLES = [("accountant", EVERY), ("owner", EVERY), ("merchant", OPERATIONAL)]


@pytest.fixture
def people(accountant, owner, merchant):
    return {"accountant": accountant, "owner": owner, "merchant": merchant}


def today() -> Parameters:
    return Parameters(start=timezone.localdate(), end=timezone.localdate())


@pytest.mark.parametrize(("role", "allowed"), ROLES)
def test_the_form_offers_what_the_role_may_request(people, role, allowed):
    form = RequestReportForm(people[role])
    assert {kind for kind, _ in form.fields["kind"].choices} == allowed


@pytest.mark.parametrize(("role", "allowed"), ROLES)
def test_the_service_refuses_what_the_role_may_not_request(people, role, allowed):
    actor = Actor.for_user(people[role])
    for kind in sorted(EVERY - allowed):
        with pytest.raises(
            DomainError, match=f"Your role cannot request the {CATALOGUE[kind].title}"
        ):
            report_request(kind=kind, parameters=today(), format="xlsx", actor=actor)
    assert ReportRun.objects.count() == 0
    for kind in sorted(allowed):
        report_request(kind=kind, parameters=today(), format="xlsx", actor=actor)
    assert set(ReportRun.objects.values_list("kind", flat=True)) == allowed


@pytest.fixture
def every_run(owner, eager_tasks, db) -> dict[str, ReportRun]:
    """One finished run of every report, requested by the Owner."""
    day = timezone.localdate()
    return {kind: request_run(kind, owner, start=day, end=day) for kind in sorted(EVERY)}


@pytest.mark.parametrize(("role", "allowed"), ROLES)
def test_the_run_list_and_the_downloads_follow_the_role(client, people, every_run, role, allowed):
    client.force_login(people[role])
    listing = client.get(reverse("admin:reporting_reportrun_changelist"))
    assert listing.status_code == 200
    assert {run.kind for run in listing.context["cl"].result_list} == allowed
    for kind, run in every_run.items():
        assert run.status == RunStatus.DONE
        response = client.get(reverse("admin:reporting_reportrun_download", args=[run.pk]))
        if kind in allowed:
            assert response.status_code == 200
            assert response["Content-Disposition"].startswith("attachment;")
            with run.file.open("rb") as stored:
                assert b"".join(response.streaming_content) == stored.read()
        else:
            assert response.status_code == 403, kind


def test_someone_without_a_role_sees_no_reports(client, every_run, db):
    client.force_login(UserFactory(username="visitor"))
    assert client.get(reverse("admin:reporting_reportrun_changelist")).status_code == 403
    run = every_run["low_stock"]
    assert (
        client.get(reverse("admin:reporting_reportrun_download", args=[run.pk])).status_code == 403
    )
    assert client.get(reverse("admin:reporting_reportrun_request_report")).status_code == 403


def test_nobody_adds_changes_or_deletes_runs_in_the_admin(client, every_run, db):
    client.force_login(UserFactory(username="root", is_superuser=True))
    run = every_run["tax_summary"]
    change = reverse("admin:reporting_reportrun_change", args=[run.pk])
    before = ReportRun.objects.filter(pk=run.pk).values().get()
    assert client.get(reverse("admin:reporting_reportrun_add")).status_code == 403
    assert client.post(change, {"status": "queued", "error": "edited"}).status_code == 403
    assert (
        client.post(
            reverse("admin:reporting_reportrun_delete", args=[run.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    listing = client.get(reverse("admin:reporting_reportrun_changelist"))
    assert "delete_selected" not in listing.content.decode()
    bulk = {"action": "delete_selected", "_selected_action": [run.pk], "post": "yes"}
    client.post(reverse("admin:reporting_reportrun_changelist"), bulk)
    page = client.get(change)  # the run page reads, and refreshes only while waiting
    assert page.status_code == 200 and 'http-equiv="refresh"' not in page.content.decode()
    assert ReportRun.objects.filter(pk=run.pk).values().get() == before
    assert ReportRun.objects.count() == len(EVERY)


def test_the_accountant_requests_a_report_through_the_admin_form(client, accountant, eager_tasks):
    client.force_login(accountant)
    url = reverse("admin:reporting_reportrun_request_report")
    page = client.get(url)
    assert page.status_code == 200
    assert {kind for kind, _ in page.context["form"].fields["kind"].choices} == EVERY
    response = client.post(
        url, {"kind": "tax_summary", "preset": "last_month", "grouping": "day", "format": "csv"}
    )
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reporting_reportrun_change", args=[run.pk])
    assert (run.kind, run.format, run.requested_by, run.parameters["preset"]) == (
        "tax_summary",
        "csv",
        accountant,
        "last_month",
    )


def test_the_merchant_cannot_request_a_financial_report_through_the_form(client, merchant):
    client.force_login(merchant)
    url = reverse("admin:reporting_reportrun_request_report")
    response = client.post(
        url, {"kind": "tax_summary", "preset": "last_month", "grouping": "day", "format": "xlsx"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["kind"])
    assert ReportRun.objects.count() == 0


def test_a_form_with_custom_dates_backwards_is_refused_and_writes_nothing(client, accountant):
    client.force_login(accountant)
    url = reverse("admin:reporting_reportrun_request_report")
    response = client.post(
        url,
        {
            "kind": "low_stock",
            "preset": "custom",
            "start": "2026-02-01",
            "end": "2026-01-31",
            "grouping": "day",
            "format": "xlsx",
        },
    )
    assert response.status_code == 200
    assert "The period ends (2026-01-31) before it starts (2026-02-01)." in str(
        response.context["form"].errors
    )
    assert ReportRun.objects.count() == 0
