"""`python manage.py copy_imported_images [--batch N]`: copy the imported images still waiting
into the storage, in this process — what workers do after each apply when there are workers
(the embedded mode has none)."""

from django.core.management.base import BaseCommand

from imports.images import ImageUnavailable, image_copy_run
from imports.models import CopyStatus, ImageCopy


class Command(BaseCommand):
    help = "Copy imported images still waiting into the storage."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, help="Only this import's images.")
        parser.add_argument("--attempts", type=int, default=2, help="Tries per image (2).")

    def handle(self, *args, **options):
        waiting = ImageCopy.objects.filter(status=CopyStatus.PENDING).order_by("pk")
        if options["batch"]:
            waiting = waiting.filter(batch_id=options["batch"])
        results: dict[str, int] = {}
        for copy_id in waiting.values_list("pk", flat=True):
            result = _copy(copy_id, max(options["attempts"], 1))
            results[result] = results.get(result, 0) + 1
        done, failed = results.get("done", 0), results.get("failed", 0)
        self.stdout.write(f"{done} image(s) copied, {failed} failed.")


def _copy(copy_id: int, attempts: int) -> str:
    for attempt in range(1, attempts + 1):
        try:
            return image_copy_run(copy_id, final_attempt=attempt == attempts)
        except ImageUnavailable:
            continue
    return "failed"
