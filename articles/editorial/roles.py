"""
Staff roles as Django groups: who may do what in the admin.

The groups are created by a migration; their permissions are set from the table
below after every ``migrate`` (permissions exist only once their models are
migrated), so a new model's permissions reach the roles by editing one place.
Object-level rules (a writer edits only their own drafts) are enforced in the
admin (``articles.admin.stories``), on the server.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.db.models.signals import post_migrate
from django.dispatch import receiver

WRITER = "Writer"
EDITOR = "Editor"

ROLES = {
    WRITER: {
        "articles": {
            "article": ["add", "change", "view"],
            "byline": ["add", "change", "delete", "view"],
            "taggedarticle": ["add", "change", "delete", "view"],
            "section": ["view"],
            "author": ["view"],
            "image": ["add", "view"],
        },
        "taggit": {"tag": ["view"]},
    },
    EDITOR: {
        "articles": {
            "article": ["add", "change", "delete", "view", "publish", "edit_any"],
            "byline": ["add", "change", "delete", "view"],
            "taggedarticle": ["add", "change", "delete", "view"],
            "section": ["add", "change", "delete", "view"],
            "author": ["add", "change", "delete", "view"],
            "correction": ["add", "change", "delete", "view"],
            "previewlink": ["add", "change", "view"],
            "image": ["add", "change", "delete", "view"],
            "pin": ["add", "change", "delete", "view"],
            "front": ["add", "change", "view"],
            "importedpost": ["view", "import"],
        },
        "taggit": {"tag": ["add", "change", "delete", "view"]},
    },
}


def role_permissions(role):
    wanted = Q(pk__in=[])
    for app_label, models in ROLES[role].items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    return Permission.objects.filter(wanted)


def sync_roles():
    """Give each role group exactly the permissions in ROLES; returns {name: group}."""
    groups = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(role_permissions(role))
        groups[role] = group
    return groups


def ensure_roles():
    """The Editor group, with its permissions (kept for callers that want the editor role)."""
    return sync_roles()[EDITOR]


@receiver(post_migrate)
def keep_role_permissions(sender, app_config=None, **kwargs):
    if app_config is not None and app_config.label == "articles":
        sync_roles()
