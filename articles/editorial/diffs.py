"""Readable differences between two revisions of a story, for the admin's compare page."""

import difflib
import re

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

FIELDS = [
    ("headline", "Headline"),
    ("dek", "Dek"),
    ("body", "Body"),
    ("status", "Status"),
    ("published_at", "Publication time"),
    ("dateline", "Dateline"),
    ("slug", "Slug"),
]


def _text(value, field):
    if value is None:
        return ""
    if field == "body":
        # Compare what a reader reads: one paragraph a line, no markup.
        value = re.sub(r"</(p|h[1-6]|li|blockquote)>", "\n", str(value))
        return "\n".join(line.strip() for line in strip_tags(value).splitlines() if line.strip())
    return str(value)


def word_diff(old, new):
    """HTML with removed words in <del> and added words in <ins>."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    parts = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(f"<del>{escape(''.join(old_words[a1:a2]))}</del>")
        if b2 > b1:
            parts.append(f"<ins>{escape(''.join(new_words[b1:b2]))}</ins>")
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308  (every part escaped)


def _related(version, model_name, story_key, describe):
    """The story's own related rows in its revision: a revision may hold other stories
    too (see articles.editorial.revisions), whose rows are none of this page's business."""
    story_id = int(version.object_id)
    items = []
    for other in version.revision.version_set.all():
        if other.content_type.model == model_name and other.field_dict[story_key] == story_id:
            items.append(describe(other.field_dict))
    return items


def _byline(version):
    from ..models import Author

    rows = sorted(
        _related(version, "byline", "article_id", lambda f: (f["position"], f["author_id"]))
    )
    names = dict(Author.objects.filter(pk__in=[a for _, a in rows]).values_list("pk", "name"))
    return ", ".join(names.get(author_id, f"author #{author_id}") for _, author_id in rows)


def _tags(version):
    from taggit.models import Tag

    ids = _related(version, "taggedarticle", "content_object_id", lambda f: f["tag_id"])
    return ", ".join(sorted(Tag.objects.filter(pk__in=ids).values_list("name", flat=True)))


def compare_versions(older, newer):
    """[{"label", "diff"}] for every field that differs between two Version objects."""
    changes = []
    old_fields, new_fields = older.field_dict, newer.field_dict
    for name, label in FIELDS:
        old, new = _text(old_fields.get(name), name), _text(new_fields.get(name), name)
        if old != new:
            changes.append({"label": label, "diff": word_diff(old, new)})
    for label, describe in (("Byline", _byline), ("Tags", _tags)):
        old, new = describe(older), describe(newer)
        if old != new:
            changes.append({"label": label, "diff": word_diff(old, new)})
    return changes


# What a refused stale save shows of the other version (see compare_for_merge).
MERGE_FIELDS = ["headline", "dek", "body", "dateline", "slug", "status", "published_at"]
_MERGE_LABELS = {
    "headline": "Headline",
    "dek": "Dek",
    "body": "Body",
    "dateline": "Dateline",
    "slug": "Slug",
    "status": "Status",
    "published_at": "Publication time",
}


def _shown(value, field):
    if field == "published_at" and value is not None:
        return date_format(timezone.localtime(value), "j M Y, H:i")
    return _text(value, field)


def compare_for_merge(opened, saved, yours):
    """What a second editor needs to merge after their save was refused as stale.

    ``saved`` is the story as the other editor saved it, ``yours`` the refused
    form's values, ``opened`` the story as this editor opened it (None when no
    revision holds it). For every field the other editor changed: their changes as
    a word diff from the opened copy, and this editor's text beside it (with their
    own changes marked, when the opened copy is known). Without the opened copy,
    every field where the saved story and this editor's text differ, as a diff
    from this editor's text to the saved one.

    [{"label", "theirs", "yours"}], "theirs" and "yours" safe HTML."""
    changes = []
    for name in MERGE_FIELDS:
        theirs, mine = _shown(saved.get(name), name), _shown(yours.get(name), name)
        if opened is not None:
            before = _shown(opened.get(name), name)
            if before == theirs:
                continue
            changes.append(
                {
                    "label": _MERGE_LABELS[name],
                    "theirs": word_diff(before, theirs),
                    "yours": word_diff(before, mine),
                }
            )
        elif theirs != mine:
            changes.append(
                {
                    "label": _MERGE_LABELS[name],
                    "theirs": word_diff(mine, theirs),
                    "yours": word_diff(mine, mine),
                }
            )
    return changes
