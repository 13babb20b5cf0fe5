"""A Redis outage, on a Redis the test starts and then stops: the admin and the API keep
answering; work that needs a worker is refused with a message and writes nothing; and work
whose task could not leave once its row was committed says so at once, instead of waiting
for a worker that will never come."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.settings import redis_caches
from backoffice.workers import QUEUE_DOWN, QUEUE_LOST
from imports.models import ImportBatch, ImportStatus
from imports.services import import_apply, import_create
from inventory.models import Product
from reporting.models import ReportRun, RunStatus
from reporting.reports import Parameters
from reporting.services import report_request
from tests.factories import ChannelFactory
from tests.imports.conftest import Upload, csv_bytes, native_rows
from tests.integrations.api_helpers import get, issue_key

REQUEST = reverse("admin:reporting_reportrun_request_report")
NEW_IMPORT = reverse("admin:imports_importbatch_new_import")
REPORT_FORM = {"kind": "tax_summary", "preset": "last_month", "grouping": "day", "format": "csv"}


def catalog_csv(products: int) -> bytes:
    return csv_bytes(
        native_rows(
            *(
                {"handle": f"p-{n}", "title": f"P {n}", "sku": f"P-{n}", "price": "9.90"}
                for n in range(products)
            )
        )
    )


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def test_with_the_queue_up_a_requested_report_is_sent(
    client, accountant, own_redis, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST, REPORT_FORM)
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert (run.status, own_redis.queued("bulk")) == (RunStatus.QUEUED, 1)


def test_with_the_queue_down_a_report_request_is_refused_and_writes_nothing(
    client, accountant, own_redis
):
    own_redis.stop()
    client.force_login(accountant)
    response = client.post(REQUEST, REPORT_FORM)
    assert response.status_code == 200
    assert QUEUE_DOWN in response.content.decode()
    assert ReportRun.objects.count() == 0


def test_with_the_queue_down_a_big_import_is_refused_and_writes_nothing(
    client, merchant, own_redis, settings, media_root
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    own_redis.stop()
    client.force_login(merchant)
    upload = SimpleUploadedFile("catalog.csv", catalog_csv(3))
    response = client.post(NEW_IMPORT, {"kind": "products", "file": upload}, follow=True)
    assert QUEUE_DOWN in response.content.decode()
    assert ImportBatch.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_small_import_needs_no_queue(client, merchant, own_redis, settings):
    own_redis.stop()
    client.force_login(merchant)
    upload = SimpleUploadedFile("catalog.csv", catalog_csv(3))
    client.post(NEW_IMPORT, {"kind": "products", "file": upload})
    assert ImportBatch.objects.get().status == ImportStatus.READY


def test_a_report_whose_task_could_not_leave_fails_at_once(
    accountant, own_redis, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        run = report_request(
            kind="low_stock",
            parameters=Parameters(start=today, end=today),
            format="csv",
            actor=Actor.for_user(accountant),
        )
        own_redis.stop()  # after the check, before the commit sends the task
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, QUEUE_LOST)
    assert run.finished_at is not None


def test_an_apply_whose_task_could_not_leave_is_ready_again(
    merchant, own_redis, settings, django_capture_on_commit_callbacks
):
    actor = Actor.for_user(merchant)
    batch = import_create(
        kind="products", upload=Upload(catalog_csv(3), "c.csv"), actor=actor, wait=True
    )
    assert batch.status == ImportStatus.READY
    settings.IMPORT_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        import_apply(batch=batch, actor=actor)
        own_redis.stop()
    batch.refresh_from_db()
    assert (batch.status, batch.message, batch.started_at) == (ImportStatus.READY, QUEUE_LOST, None)
    assert Product.objects.count() == 0


def test_a_preview_whose_task_could_not_leave_fails_at_once(
    merchant, own_redis, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_create(
            kind="products", upload=Upload(catalog_csv(3), "c.csv"), actor=Actor.for_user(merchant)
        )
        own_redis.stop()
    batch.refresh_from_db()
    assert (batch.status, batch.message) == (ImportStatus.FAILED, QUEUE_LOST)


def test_with_redis_gone_the_admin_and_the_api_answer(client, owner, own_redis, settings):
    settings.CACHES = redis_caches(own_redis.url.replace("/0", "/1"))
    key = issue_key(ChannelFactory(code="web"))
    client.force_login(owner)
    assert client.get("/admin/").status_code == 200  # warms the cache while it is there
    own_redis.stop()
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert 'id="dashboard"' in dashboard.content.decode()
    assert client.get(reverse("admin:reporting_reportrun_changelist")).status_code == 200
    assert get(client, "/stock", key).status_code == 200
    assert get(client, "/products", key).status_code == 200
