from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from . import signals  # noqa: F401  (registers and connects)
        from .editorial import (
            revisions,  # noqa: F401  (registers stories for revisions)
            roles,  # noqa: F401  (registers and connects)
        )

        # Pillow refuses to open anything larger than twice this: decompression bombs.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
