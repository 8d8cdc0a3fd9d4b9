"""Where each library photo is used: a story's lead photo, its shared card, or a photo
placed in its body. Kept by ``Article.save()`` in the save's own transaction, so
"which stories show this photo" is one index lookup instead of a scan of every body
(the photo's "Used in", who may replace its picture, which photos a writer sees)."""

from django.db import models


class PhotoPlacement(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "lead photo"
        BODY = "body", "in the body"
        SOCIAL = "social", "shared card"

    story = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="photo_placements"
    )
    photo = models.ForeignKey("articles.Image", on_delete=models.CASCADE, related_name="placements")
    role = models.CharField(max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = "photo placement"
        constraints = [
            models.UniqueConstraint(fields=["story", "photo", "role"], name="placement_unique_use"),
        ]
        indexes = [models.Index(fields=["photo", "story"], name="placement_photo_idx")]

    def __str__(self):
        return f"{self.photo_id} in {self.story_id} ({self.role})"

    @classmethod
    def wanted(cls, story, body_photo_ids):
        """{(photo id, role)} that ``story`` shows now."""
        uses = {(pk, cls.Role.BODY) for pk in body_photo_ids}
        if story.lead_image_id:
            uses.add((story.lead_image_id, cls.Role.LEAD))
        if story.social_image_id:
            uses.add((story.social_image_id, cls.Role.SOCIAL))
        return uses

    @classmethod
    def keep_in_step(cls, story, body_photo_ids):
        """Make ``story``'s placements what it shows now: one read, then only the rows
        that changed are deleted or added."""
        wanted = cls.wanted(story, body_photo_ids)
        stored = {
            (photo, role): pk
            for pk, photo, role in cls.objects.filter(story=story).values_list(
                "pk", "photo_id", "role"
            )
        }
        gone = [pk for use, pk in stored.items() if use not in wanted]
        if gone:
            cls.objects.filter(pk__in=gone).delete()
        new = wanted - stored.keys()
        if new:
            cls.objects.bulk_create(
                cls(story=story, photo_id=photo, role=role) for photo, role in sorted(new)
            )
