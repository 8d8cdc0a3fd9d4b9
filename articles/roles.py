"""
Staff roles as Django groups.

Created after every ``migrate`` (permissions exist only once their models are
migrated, so a data migration cannot grant them on a fresh database). The
editorial workflow builds the Writer role on top of this.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate
from django.dispatch import receiver

EDITOR = "Editor"

EDITOR_PERMISSIONS = {
    "articles": ["article", "section", "author", "byline", "taggedarticle"],
    "taggit": ["tag", "taggeditem"],
}


def editor_permissions():
    codenames = Permission.objects.none()
    for app_label, models in EDITOR_PERMISSIONS.items():
        codenames |= Permission.objects.filter(
            content_type__app_label=app_label, content_type__model__in=models
        )
    return codenames


def ensure_roles():
    editors, _ = Group.objects.get_or_create(name=EDITOR)
    editors.permissions.add(*editor_permissions())
    return editors


@receiver(post_migrate)
def create_roles(sender, app_config=None, **kwargs):
    if app_config is not None and app_config.label == "articles":
        ensure_roles()
