"""The photo library: every picture with its alt text, caption, credit and renditions."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.crypto import salted_hmac

from ..images import processing
from .fields import recorded_by


def stored_name(digest):
    """A photo's file name: its content hash keyed with the site's secret. The same
    picture is still stored once, but nobody holding a copy of a picture can work
    out its address and learn that a draft uses it (media is served to anyone)."""
    return salted_hmac("articles.image-name", digest, algorithm="sha256").hexdigest()


class PictureField(models.ImageField):
    """An image field judged by content only (``articles.images.processing``), not by the
    file name's extension, which is Django's default check. Width and height are set
    from the cleaned picture, never read from an unchecked upload."""

    default_validators = []


def _fraction_field(label):
    return models.FloatField(
        label,
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Where the subject is, from 0 (left/top) to 1 (right/bottom); thumbnails are "
        "cropped around it.",
    )


class Image(models.Model):
    file = PictureField(
        "picture",
        upload_to="images/uploads/",
        max_length=200,
        help_text="JPEG, PNG, WebP or GIF, up to 20 MB. Location and camera data are removed.",
    )
    alt_text = models.CharField(
        max_length=300,
        help_text="What the picture shows, for readers who cannot see it. Required.",
    )
    caption = models.TextField(blank=True, help_text="Shown under the picture.")
    credit = models.CharField(
        max_length=200, blank=True, help_text="Photographer and agency, e.g. Ana Reyes / Ledger."
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    focal_x = _fraction_field("focal point, across")
    focal_y = _fraction_field("focal point, down")
    renditions = models.JSONField(default=dict, editable=False)
    uploaded_by = recorded_by()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "photo"
        # The library's pages, newest first, walk this instead of sorting every photo.
        indexes = [models.Index(fields=["uploaded_at", "id"], name="image_library_idx")]

    def __str__(self):
        return self.caption[:60] or self.alt_text[:60]

    def save(self, *args, **kwargs):
        fresh_upload = bool(self.file) and not self.file._committed
        focal_changed = (
            self.pk
            and not fresh_upload
            and (
                Image.objects.filter(pk=self.pk).values_list("focal_x", "focal_y").first()
                != (self.focal_x, self.focal_y)
            )
        )
        if fresh_upload:
            cleaned = processing.clean(self.file, getattr(self, "_decoded", None))
            self._decoded = None
            name = stored_name(cleaned.digest)
            folder = f"images/{name[:2]}/{name[:20]}"
            name = self._store(f"{folder}/original.{cleaned.extension}", cleaned.data)
            self.file.name = name
            self.file._committed = True
            self.width, self.height = cleaned.picture.size
            self.renditions = self._make_renditions(cleaned, folder)
        elif focal_changed:
            cleaned = processing.clean(self.file.open("rb"))
            self.renditions = self._make_renditions(cleaned, self.file.name.rsplit("/", 1)[0])
        super().save(*args, **kwargs)

    def clean(self):
        if self.file and not self.file._committed:
            # Judge the upload here, so a form shows the reason instead of failing later.
            self._decoded = processing.open_upload(self.file)

    @property
    def thumbnail_url(self):
        """The smallest thumbnail, for the admin's lists and autocomplete."""
        from ..images.presentation import media_url

        thumbs = self.renditions.get("thumb") or self.renditions.get("full") or []
        return media_url(thumbs[0]["fallback"]) if thumbs else ""

    @property
    def body_url(self):
        """The address editors place in a story body (rewritten responsive on save)."""
        from ..images.presentation import picture

        shown = picture(self.renditions, self.alt_text)
        return shown["src"] if shown else ""

    @staticmethod
    def _store(name, data):
        """Files are named by their content: the same picture is stored once."""
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        return name

    def add_sharing_crops(self):
        """Give a photo stored before the sharing crops existed its 16:9, 4:3 and 1:1
        crops (``manage.py make_sharing_crops``); saving it refreshes the reader pages
        that show it. False if it had them already."""
        if self.renditions.get("cards"):
            return False
        with self.file.open("rb") as original:
            cleaned = processing.clean(original)
        made = processing.sharing_crops(cleaned, self.focal_x, self.focal_y)
        folder = self.file.name.rsplit("/", 1)[0]
        self.renditions = {**self.renditions, "cards": self._store_cards(made, folder)}
        self.save(update_fields=["renditions"])
        return True

    def _store_cards(self, made, folder):
        suffix = f"-f{self.focal_x:.2f}-{self.focal_y:.2f}"  # the crop follows the focal point
        return {
            kind: {
                "w": card.width,
                "h": card.height,
                "fallback_bytes": len(card.data),
                "fallback": self._store(
                    f"{folder}/{card.name.replace('.', suffix + '.')}", card.data
                ),
            }
            for kind, card in made.items()
        }

    def _make_renditions(self, cleaned, folder):
        made = processing.renditions(cleaned, self.focal_x, self.focal_y)
        suffix = f"-f{self.focal_x:.2f}-{self.focal_y:.2f}"
        stored = {"cards": self._store_cards(made.pop("cards"), folder)}
        for kind, pairs in made.items():
            stored[kind] = []
            for webp, fallback in pairs:
                extra = suffix if kind == "thumb" else ""
                stored[kind].append(
                    {
                        "w": webp.width,
                        "h": webp.height,
                        "webp_bytes": len(webp.data),
                        "fallback_bytes": len(fallback.data),
                        "webp": self._store(
                            f"{folder}/{webp.name.replace('.', extra + '.')}", webp.data
                        ),
                        "fallback": self._store(
                            f"{folder}/{fallback.name.replace('.', extra + '.')}", fallback.data
                        ),
                    }
                )
        stored["fallback_type"] = "image/png" if cleaned.has_alpha else "image/jpeg"
        return stored
