from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = "Newsletters and alerts"

    def ready(self):
        from . import signals  # noqa: F401  (bounces reported by the mail provider)
