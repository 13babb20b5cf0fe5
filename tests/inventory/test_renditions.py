"""Renditions of product images: a square thumbnail for the admin's lists, a medium and a
large size for storefronts, made by a worker after the file is stored, named from the source's
content, never scaled up, turned upright, transparent where the source is, and refused (with
the file itself shown instead) when the file is not an image or is a decompression bomb."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from backoffice.actors import Actor
from inventory.models import ProductImage
from inventory.services import product_image_renditions_make, product_image_store
from tests.factories import ProductFactory

ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def media_root(media_root):
    """Every test here stores files in a folder of its own."""
    return media_root


def picture(size=(2000, 1500), mode="RGB", kind="JPEG", colour="teal", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, kind, **save)
    return buffer.getvalue()


def stored(content: bytes, extension="jpg", product=None) -> ProductImage:
    """An image whose file is stored the way an import's copy stores it; its renditions are
    made when the transaction commits (tasks run in the process here)."""
    image = ProductImage.objects.create(
        product=product or ProductFactory(), source_url="https://cdn.example.com/a.jpg"
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_image_store(
            image=image, content=content, extension=extension, actor=ACTOR, reason="t"
        )
    image.refresh_from_db()
    return image


def opened(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as stream:
        image = Image.open(io.BytesIO(stream.read()))
        image.load()
    return image


def test_each_rendition_is_made_in_webp_at_its_size(db, eager_tasks):
    image = stored(picture((2000, 1500)))
    made = image.renditions
    assert (made["source"], made["width"], made["height"]) == (image.image.name, 2000, 1500)
    expected = {"thumbnail": (160, 160), "medium": (800, 600), "large": (1600, 1200)}
    for name, size in expected.items():
        rendition = made["sizes"][name]
        assert (rendition["width"], rendition["height"]) == size
        assert rendition["name"].startswith(image.image.name)  # named from the content
        assert rendition["name"].endswith(".webp")
        file = opened(rendition["name"])
        assert (file.format, file.size) == ("WEBP", size)


def test_a_small_picture_is_never_scaled_up(db, eager_tasks):
    made = stored(picture((120, 90))).renditions["sizes"]
    assert {name: (r["width"], r["height"]) for name, r in made.items()} == {
        "thumbnail": (120, 90),
        "medium": (120, 90),
        "large": (120, 90),
    }


def test_a_transparent_picture_stays_transparent(db, eager_tasks):
    image = stored(picture((400, 300), mode="RGBA", kind="PNG", colour=(0, 0, 0, 0)), "png")
    medium = opened(image.renditions["sizes"]["medium"]["name"])
    assert medium.mode == "RGBA"
    assert medium.getpixel((10, 10))[3] == 0


def test_a_picture_taken_sideways_is_turned_upright(db, eager_tasks):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned a quarter clockwise
    image = stored(picture((1200, 800), exif=exif.tobytes()))
    large = image.renditions["sizes"]["large"]
    assert (large["width"], large["height"]) == (800, 1200)


def test_a_new_picture_gets_new_rendition_names(db, eager_tasks):
    image = stored(picture(colour="teal"))
    first = image.renditions["sizes"]["medium"]["name"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_image_store(
            image=image, content=picture(colour="navy"), extension="jpg", actor=ACTOR, reason="t"
        )
    image.refresh_from_db()
    second = image.renditions["sizes"]["medium"]["name"]
    assert second != first and second.startswith(image.image.name)
    assert default_storage.exists(first) and default_storage.exists(second)


def test_renditions_of_a_replaced_file_are_not_recorded(db, monkeypatch):
    """A worker that made renditions of a file replaced meanwhile leaves the row alone."""
    image = ProductImage(product=ProductFactory())
    image.image.save("front.jpg", ContentFile(picture()), save=True)
    from inventory import renditions

    real = renditions.renditions_make

    def replaced_while_making(file):
        made = real(file)
        ProductImage.objects.filter(pk=image.pk).update(image="products/1/other.jpg")
        return made

    monkeypatch.setattr("inventory.services.renditions_make", replaced_while_making)
    assert product_image_renditions_make(image_id=image.pk) == "skipped"
    assert ProductImage.objects.get(pk=image.pk).renditions == {}


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"<html>not a picture</html>", "the file is not a picture (JPEG, PNG, GIF or WebP)"),
        (picture((400, 300))[:600], "the picture could not be decoded (it may be damaged)"),
        (
            picture((10_000, 10_000), mode="1", kind="PNG"),
            "it is 10000 × 10000 pixels: more than 25 megapixels",
        ),
    ],
    ids=["not-an-image", "truncated", "bomb"],
)
def test_a_file_that_cannot_be_rendered_is_recorded_and_shown_as_is(
    db, eager_tasks, content, error, merchant, client
):
    """A file stored by hand, not through the import's checks: the failure is recorded once
    (not retried forever) and lists show the file itself."""
    image = ProductImage(product=ProductFactory())
    image.image.save("odd.png", ContentFile(content), save=True)
    assert product_image_renditions_make(image_id=image.pk) == "failed"
    image.refresh_from_db()
    assert image.renditions["source"] == image.image.name
    assert error in image.renditions["error"]
    assert "sizes" not in image.renditions
    assert product_image_renditions_make(image_id=image.pk) == "skipped"
    assert image.rendition_url("thumbnail") == image.image.url
    client.force_login(merchant)
    page = client.get(reverse("admin:inventory_product_changelist")).content.decode()
    assert f'<img src="{image.image.url}" alt="" loading="lazy"' in page
    change = reverse("admin:inventory_product_change", args=[image.product_id])
    assert "Renditions could not be made: " + error in client.get(change).content.decode()


def test_the_product_list_shows_thumbnails_lazily_in_constant_queries(
    db, eager_tasks, merchant, client, django_assert_max_num_queries
):
    images = [stored(picture((900, 900), colour=(i, 80, 80))) for i in range(3)]
    client.force_login(merchant)
    url = reverse("admin:inventory_product_changelist")
    client.get(url)  # warm the session and permission caches
    with django_assert_max_num_queries(14) as captured:
        page = client.get(url).content.decode()
    for image in images:
        thumbnail = image.renditions["sizes"]["thumbnail"]["name"]
        assert f'<img src="{default_storage.url(thumbnail)}" alt="" loading="lazy"' in page
        assert f'src="{default_storage.url(image.image.name)}"' not in page
    few = len(captured)
    for i in range(6):
        stored(picture((300, 300), colour=(80, i, 80)))
    with django_assert_max_num_queries(few):
        client.get(url)


def test_the_command_makes_what_images_lack_and_again_on_request(db, eager_tasks):
    with_renditions = stored(picture())
    lacking = stored(picture(colour="navy"))
    ProductImage.objects.filter(pk=lacking.pk).update(renditions={})
    out = io.StringIO()
    call_command("make_image_renditions", stdout=out)
    assert out.getvalue().strip() == "1 image(s) given renditions, 0 failed, 1 already had them."
    lacking.refresh_from_db()
    assert lacking.renditions["sizes"]["thumbnail"]["width"] == 160
    out = io.StringIO()
    call_command("make_image_renditions", "--again", stdout=out)
    assert out.getvalue().startswith("2 image(s) given renditions")
    with_renditions.refresh_from_db()
    assert with_renditions.renditions["source"] == with_renditions.image.name


# --- uploads in the admin -----------------------------------------------------------------------


def upload_form(client, product, upload) -> dict:
    """The product's change form as the browser sends it, with one picture added."""
    page = client.get(reverse("admin:inventory_product_change", args=[product.pk]))
    form = page.context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(
        {
            "images-TOTAL_FORMS": 1,
            "images-0-image": upload,
            "images-0-alt_text": "Front",
            "images-0-position": 0,
        }
    )
    return data


def named(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_picture_uploaded_in_the_admin_gets_its_renditions(db, eager_tasks, merchant, client):
    product = ProductFactory()
    client.force_login(merchant)
    url = reverse("admin:inventory_product_change", args=[product.pk])
    content = picture((1000, 500))
    data = upload_form(client, product, named(content, "front.jpeg"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    image = ProductImage.objects.get(product=product)
    # Named by its content, as imported copies are: a new picture, a new name.
    assert (
        image.image.name == f"products/{product.pk}/{hashlib.sha256(content).hexdigest()[:32]}.jpg"
    )
    assert image.image.read() == content
    assert image.renditions["source"] == image.image.name
    assert image.renditions["sizes"]["thumbnail"]["width"] == 160
    assert image.history.first().history_user == merchant
    page = client.get(url).content.decode()
    thumbnail = default_storage.url(image.renditions["sizes"]["thumbnail"]["name"])
    assert f'<img src="{thumbnail}" alt="" loading="lazy"' in page
    assert "1000 × 500 pixels; thumbnail 160 × 160, medium 800 × 400, large 1000 × 500." in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (picture((6000, 5000), mode="1", kind="PNG"), "6000 × 5000 pixels (30.0 megapixels)"),
        (picture((50, 50), kind="PNG") + bytes(21 * 2**20), "The picture is 21.0 MB"),
        (picture((50, 50), kind="TIFF"), "TIFF pictures are not kept: upload a JPEG, PNG,"),
        (b"GIF89a not really", "Upload a valid image."),
    ],
    ids=["too-many-pixels", "too-big", "tiff", "not-an-image"],
)
def test_a_picture_beyond_the_limits_is_refused_and_nothing_stored(
    db, merchant, client, media_root, content, message
):
    product = ProductFactory()
    client.force_login(merchant)
    url = reverse("admin:inventory_product_change", args=[product.pk])
    response = client.post(url, upload_form(client, product, named(content, "huge.png")))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ProductImage.objects.exists()
    assert stored_files(media_root) == []


def test_renditions_are_made_in_s3_storage(db, eager_tasks, s3_storage):
    image = stored(picture((1200, 900)))
    names = {made["name"] for made in image.renditions["sizes"].values()}
    assert set(s3_storage.keys()) == names | {image.image.name}
    large = Image.open(io.BytesIO(s3_storage.read(image.renditions["sizes"]["large"]["name"])))
    assert (large.format, large.size) == ("WEBP", (1200, 900))
    # Made again (a second worker, or --again): the same names, nothing stored twice.
    ProductImage.objects.filter(pk=image.pk).update(renditions={})
    assert product_image_renditions_make(image_id=image.pk) == "done"
    assert set(s3_storage.keys()) == names | {image.image.name}
