"""`python manage.py make_image_renditions [--again]`: make, in this process, the renditions
that stored product images lack — after an upgrade brought renditions to existing images, or
(with --again) after a change of `IMAGE_RENDITIONS`. New images get theirs from a worker."""

from django.core.management.base import BaseCommand

from inventory.models import ProductImage
from inventory.services import product_image_renditions_make


class Command(BaseCommand):
    help = "Make the renditions stored product images lack."

    def add_arguments(self, parser):
        parser.add_argument(
            "--again", action="store_true", help="Make every image's renditions anew."
        )

    def handle(self, *args, **options):
        stored = ProductImage.objects.exclude(image="").order_by("pk")
        results: dict[str, int] = {}
        for pk in stored.values_list("pk", flat=True).iterator():
            if options["again"]:
                ProductImage.objects.filter(pk=pk).update(renditions={})
            result = product_image_renditions_make(image_id=pk)
            results[result] = results.get(result, 0) + 1
        self.stdout.write(
            f"{results.get('done', 0)} image(s) given renditions, "
            f"{results.get('failed', 0)} failed, {results.get('skipped', 0)} already had them."
        )
