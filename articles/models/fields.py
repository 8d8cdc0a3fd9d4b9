"""Field shapes the models share."""

from django.conf import settings
from django.db import models


def recorded_by():
    """Who did something, kept for the record: set by the code, not by forms, and
    emptied (not cascaded) if the account is ever deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
