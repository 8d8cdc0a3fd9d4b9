"""What came in from another system, so an import can be run again safely (issue 16)."""

from django.db import models


class ImportedPost(models.Model):
    """One WordPress post brought in as a story: the export's site and the post's id
    identify it, so a second run updates the same story instead of adding one.

    ``fingerprint`` is the post as it was in the export, so an unchanged post costs
    nothing on a re-run; ``story_version`` is the story's ``edit_version`` right after
    the import wrote it, so a later edit by the desk is seen and kept."""

    site = models.CharField(max_length=200, help_text="The WordPress site's address.")
    post_id = models.PositiveBigIntegerField("WordPress post id")
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the desk deleted the story: a re-run leaves it deleted.",
    )
    fingerprint = models.CharField(max_length=64)
    story_version = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "imported WordPress post"
        permissions = [("import_importedpost", "Can import a WordPress export")]
        constraints = [
            models.UniqueConstraint(fields=["site", "post_id"], name="imported_post_key"),
        ]

    def __str__(self):
        return f"{self.site} post {self.post_id}"


class ImportedPhoto(models.Model):
    """A WordPress attachment (or an uploads file a body showed) brought into the photo
    library, keyed by the site and the file's place under ``wp-content/uploads``."""

    site = models.CharField(max_length=200)
    upload_path = models.CharField(max_length=500)
    image = models.ForeignKey("articles.Image", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "imported WordPress photo"
        constraints = [
            models.UniqueConstraint(fields=["site", "upload_path"], name="imported_photo_key"),
        ]

    def __str__(self):
        return f"{self.site} {self.upload_path}"
