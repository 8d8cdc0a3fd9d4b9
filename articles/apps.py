from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self):
        from . import revisions, roles, signals  # noqa: F401  (registers and connects)
