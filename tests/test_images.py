"""The photo library: safe uploads, clean files, responsive renditions, photos in stories."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image as Pillow

from articles.images import processing
from articles.models import Image

from .factories import make_story
from .pictures import bomb_png, jpeg_with_secrets, picture_bytes, upload
from .test_workflow import change_url, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def post_upload(client, data, name="photo.jpg", **fields):
    return client.post(
        reverse("admin:articles_image_add"),
        {
            "file": upload(data, name),
            "alt_text": "A harbour crane at dusk",
            "caption": "The new crane.",
            "credit": "Ana Reyes / Ledger",
            "focal_x": "0.5",
            "focal_y": "0.5",
            **fields,
        },
    )


def stored_files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


def test_editor_uploads_a_photo_with_renditions_at_every_width(client, editor, media_root):
    response = post_upload(client, picture_bytes((2400, 1600)))
    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (2400, 1600)
    assert image.uploaded_by == editor
    widths = [r["w"] for r in image.renditions["full"]]
    assert widths == [320, 640, 960, 1280, 1920]
    for rendition in image.renditions["full"]:
        assert abs(rendition["h"] - rendition["w"] * 1600 / 2400) <= 1  # aspect kept
        for key, fmt in (("webp", "WEBP"), ("fallback", "JPEG")):
            with Pillow.open(media_root / rendition[key]) as made:
                assert made.format == fmt and made.size == (rendition["w"], rendition["h"])
    for thumb in image.renditions["thumb"]:
        assert abs(thumb["w"] / thumb["h"] - 1.5) < 0.01


def test_renditions_are_never_upscaled(client, editor, media_root):
    post_upload(client, picture_bytes((800, 500)))
    image = Image.objects.get()
    assert [r["w"] for r in image.renditions["full"]] == [320, 640, 800]
    assert max(r["w"] for r in image.renditions["thumb"]) <= 800
    post_upload(client, picture_bytes((200, 150)), name="small.jpg")
    small = Image.objects.get(width=200)
    assert [r["w"] for r in small.renditions["full"]] == [200]


REFUSED = {
    "decompression bomb": (bomb_png(), "bomb.png", "decompression bomb"),
    "huge picture": (bomb_png(9000, 9000), "big.png", "megapixels"),
    "corrupt": (b"\xff\xd8\xff\xe0" + b"\x13" * 5000, "corrupt.jpg", "not a picture we can read"),
    "truncated": (picture_bytes((1600, 1200))[:6000], "cut.jpg", "damaged or incomplete"),
    "svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        "drawing.svg",
        "SVG and other formats are not accepted",
    ),
    "text renamed .jpg": (
        b"just some text, honestly\n" * 40,
        "notes.jpg",
        "not a picture we can read",
    ),
    "tiff": (picture_bytes((100, 100), "TIFF"), "scan.jpg", "TIFF files are not accepted"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_refused_uploads_get_a_form_error_and_store_nothing(client, editor, media_root, kind):
    data, name, message = REFUSED[kind]
    response = post_upload(client, data, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_upload_over_the_size_limit_is_refused(client, editor, media_root, settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 20 * 1024
    response = post_upload(client, picture_bytes((1600, 1200), quality=95))
    assert response.status_code == 200
    assert re.search(
        r"The file is \d+ KB; the limit is 20 KB\. Export a smaller version",
        response.content.decode(),
    )
    assert not Image.objects.exists() and stored_files(media_root) == []


def test_alt_text_is_required(client, editor, media_root):
    response = post_upload(client, picture_bytes(), alt_text="")
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Image.objects.exists()


def test_no_stored_file_carries_gps_serial_or_owner_and_pictures_stay_upright(
    client, editor, media_root
):
    source = jpeg_with_secrets((1200, 800), orientation=6)  # "rotate 90° clockwise to view"
    with Pillow.open(io.BytesIO(source)) as original:
        assert original.getexif().get_ifd(0x8825)  # the test file does carry GPS data
    assert post_upload(client, source).status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (800, 1200)  # orientation applied
    files = stored_files(media_root)
    assert len(files) >= 10
    for path in files:
        raw = path.read_bytes()
        assert b"SERIAL-123456" not in raw and b"Jane Source" not in raw, path
        with Pillow.open(path) as stored:
            assert not stored.getexif(), path
            assert "exif" not in stored.info and "icc_profile" not in stored.info, path
            if "thumb" not in path.name and "card" not in path.name:  # crops: 3:2, 16:9...
                assert stored.width < stored.height, path  # upright


def test_png_with_transparency_keeps_it_with_a_png_fallback(client, editor, media_root):
    post_upload(client, picture_bytes((700, 400), "PNG", mode="RGBA"), name="logo.png")
    image = Image.objects.get()
    assert image.renditions["fallback_type"] == "image/png"
    with Pillow.open(media_root / image.renditions["full"][0]["fallback"]) as made:
        assert made.format == "PNG" and made.mode == "RGBA"


def test_gif_and_webp_are_accepted(client, editor, media_root):
    assert post_upload(client, picture_bytes((500, 300), "GIF"), name="a.gif").status_code == 302
    assert post_upload(client, picture_bytes((500, 301), "WEBP"), name="b.webp").status_code == 302
    assert Image.objects.count() == 2


def test_a_jpeg_named_anything_is_judged_by_its_content(client, editor, media_root):
    assert post_upload(client, picture_bytes(), name="IMG_0001").status_code == 302
    assert Image.objects.get().file.name.endswith(".jpg")


def test_focal_point_decides_the_thumbnail_crop():
    wide = Pillow.new("RGB", (3000, 1000), "white")
    wide.paste((255, 0, 0), (2800, 0, 3000, 1000))  # a red band at the right edge
    left = processing.focal_crop(wide, 0.0, 0.5)
    right = processing.focal_crop(wide, 1.0, 0.5)
    assert left.size == right.size == (1500, 1000)
    assert right.getpixel((1499, 500)) == (255, 0, 0)
    assert left.getpixel((1499, 500)) == (255, 255, 255)


def photo(client):
    post_upload(client, picture_bytes((2000, 1200)))
    return Image.objects.latest("pk")


def srcset_urls(html):
    urls = []
    for srcset in re.findall(r'srcset="([^"]+)"', html):
        urls += [part.strip().split(" ")[0] for part in srcset.split(",")]
    return urls


def test_story_with_a_lead_photo_shows_a_responsive_figure(client, editor, media_root):
    image = photo(client)
    story = make_story("Crane arrives", lead_image=image)
    html = client.get(story.path).content.decode()
    figure = html.split('<figure class="lead-figure">')[1].split("</figure>")[0]
    assert '<source type="image/webp"' in figure
    assert 'width="960" height="576"' in figure
    assert 'alt="A harbour crane at dusk"' in figure and 'fetchpriority="high"' in figure
    assert "The new crane." in figure and "Ana Reyes / Ledger" in figure
    urls = srcset_urls(figure)
    assert len(urls) == 10
    for url in urls:
        assert (media_root / url.removeprefix("/media/")).is_file(), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert "immutable" in response["Cache-Control"]


def test_listings_show_lazy_thumbnails_and_stories_without_photos_still_render(
    client, editor, media_root
):
    image = photo(client)
    with_photo = make_story("With photo", lead_image=image, age=timedelta(days=1))
    without = make_story("Without photo")
    for n in range(5):  # the top of the front, so the story with a photo is listed below
        make_story(f"Newer {n}", age=timedelta(minutes=n + 1))
    assert client.get(without.path).status_code == 200
    assert "<figure" not in client.get(without.path).content.decode()
    html = client.get("/").content.decode()
    below_the_top = html.split('id="latest-list-heading"')[1]
    assert 'loading="lazy"' in below_the_top  # thumbnails below the top load lazily
    assert with_photo.headline in html and without.headline in html
    for url in srcset_urls(html):
        assert (media_root / url.removeprefix("/media/")).is_file(), url


def test_library_photo_placed_in_a_body_becomes_responsive(client, editor, media_root):
    image = photo(client)
    response = client.post(
        reverse("admin:articles_article_add"),
        form_data(
            body=f'<p>Before.</p><figure><img src="{image.body_url}"><figcaption>Cap</figcaption>'
            "</figure>",
        ),
    )
    assert response.status_code == 302
    body = make_story.__globals__["Article"].objects.get().body
    assert 'alt="A harbour crane at dusk"' in body
    assert 'width="960"' in body and 'loading="lazy"' in body
    for url in srcset_urls(body):
        assert (media_root / url.removeprefix("/media/")).is_file(), url


def test_image_admin_lists_thumbnails_searches_and_shows_where_used(client, editor, media_root):
    image = photo(client)
    post_upload(client, picture_bytes((900, 600)), caption="A different picture", credit="Ben Cole")
    make_story("Crane story", lead_image=image)
    changelist = reverse("admin:articles_image_changelist")
    html = client.get(changelist).content.decode()
    assert html.count('<img src="/media/images/') >= 2
    assert "Ben Cole" in client.get(changelist, {"q": "Ben Cole"}).content.decode()
    assert "The new crane." not in client.get(changelist, {"q": "Ben Cole"}).content.decode()
    assert "The new crane." in client.get(changelist, {"q": "new crane"}).content.decode()
    page = client.get(reverse("admin:articles_image_change", args=[image.pk])).content.decode()
    assert "Crane story" in page and "lead photo" in page
    assert image.body_url in page


def test_lead_photo_autocomplete_offers_thumbnails(client, editor, media_root):
    image = photo(client)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "articles",
            "model_name": "article",
            "field_name": "lead_image",
            "term": "crane",
        },
    )
    result = response.json()["results"][0]
    assert result["id"] == str(image.pk) and result["thumbnail"] == image.thumbnail_url


def test_story_list_and_change_form_show_the_lead_photo(client, editor, media_root):
    image = photo(client)
    story = make_story("Crane story", lead_image=image)
    html = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert image.thumbnail_url in html
    assert client.get(change_url(story)).status_code == 200


def test_a_photo_in_use_cannot_be_deleted(client, editor, media_root):
    image = photo(client)
    make_story("Crane story", lead_image=image)
    response = client.post(reverse("admin:articles_image_delete", args=[image.pk]), {"post": "yes"})
    assert Image.objects.filter(pk=image.pk).exists()
    assert "Crane story" in response.content.decode()


def test_placing_photos_is_a_pure_function_of_the_photos_given():
    """No database here (no django_db mark): placement reads nothing itself."""
    from articles.images.placement import enrich_body_images, placed_folders

    folder = "images/ab/" + "0123456789abcdef0123"
    body = f'<p>Text.</p><img src="/media/{folder}/full-800.jpg" alt="">'
    assert placed_folders(body) == {folder}
    sizes = [
        {
            "w": w,
            "h": w * 2 // 3,
            "webp": f"{folder}/full-{w}.webp",
            "fallback": f"{folder}/full-{w}.jpg",
        }
        for w in (400, 800)
    ]
    photo = Image(alt_text="A crane at dawn", renditions={"full": sizes})
    assert enrich_body_images(body, {}) == body  # unknown photos are left as they are
    placed = enrich_body_images(body, {folder: photo})
    assert 'alt="A crane at dawn"' in placed and 'loading="lazy"' in placed
    assert "full-400.jpg 400w" in placed and 'width="800" height="533"' in placed
