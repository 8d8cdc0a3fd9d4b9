"""
Readable differences between two revisions of a story, for the admin's compare page.

What is compared is what a revision stores (``articles.editorial.revisions``): every
field of the story that reversion keeps, in the model's order, and every kind of related
row it follows (bylines, tags, corrections). Nothing is listed by hand, so a field added
to the story is compared from the day it is added; only ``BOOKKEEPING``, which changes
with every save, is left out. Fields are shown as an editor knows them: a section or a
lead photo by name rather than number, a status by its label, times in the newsroom's
zone, and the photos placed in the body as a row of their own.
"""

import difflib
import re
from urllib.parse import unquote

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from ..images.placement import ATTRIBUTE, FOLDER, IMG
from ..models import Article, Author, Correction, Image
from .revisions import BOOKKEEPING, STORY_FOLLOWS, stored_rows

# Names the newsroom uses where the model's verbose name is not one.
LABELS = {"lead_image": "Lead photo", "path": "Address", "featured": "Featured on the home page"}


def word_diff(old, new):
    """HTML with removed words in <del> and added words in <ins>."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    parts = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_words[a1:a2])))
            continue
        if "".join(old_words[a1:a2]):
            parts.append(f"<del>{escape(''.join(old_words[a1:a2]))}</del>")
        if "".join(new_words[b1:b2]):
            parts.append(f"<ins>{escape(''.join(new_words[b1:b2]))}</ins>")
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308  (every part escaped)


def _when(value):
    return date_format(timezone.localtime(value), "j M Y, H:i") if value else ""


def _body_text(value):
    # Compare what a reader reads: one paragraph a line, no markup.
    value = re.sub(r"</(p|h[1-6]|li|blockquote|figcaption)>", "\n", value or "")
    return "\n".join(line.strip() for line in strip_tags(value).splitlines() if line.strip())


def _photo_name(photo):
    words = photo.alt_text or photo.caption or "untitled"
    return f"{words} (photo #{photo.pk})"


def _placed(body):
    """(library folder or None, address) of each photo placed in ``body``, in order."""
    placed = []
    for match in IMG.finditer(body or ""):
        src = unquote(dict(ATTRIBUTE.findall(match.group(1))).get("src", ""))
        folder = FOLDER.search(src)
        placed.append((folder.group(1) if folder else None, src))
    return placed


def _body_photos(old_body, new_body):
    """Each body's placed photos, one a line, by their library names (or address)."""
    old, new = _placed(old_body), _placed(new_body)
    folders = {folder for folder, _ in old + new if folder}
    names = {}
    if folders:
        query = models.Q(pk__in=[])
        for folder in folders:
            query |= models.Q(file__startswith=f"{folder}/")
        for photo in Image.objects.filter(query):
            names[photo.file.name.rsplit("/", 1)[0]] = _photo_name(photo)
    return tuple(
        "\n".join(names.get(folder, src) for folder, src in placed) for placed in (old, new)
    )


def _related_names(field, values):
    """``{pk: name}`` for the rows a foreign key points at; a deleted one by its number."""
    model = field.related_model
    found = model.objects.filter(pk__in=[v for v in values if v is not None])
    name = _photo_name if model is Image else str
    return {obj.pk: name(obj) for obj in found}


def _field_texts(field, old, new):
    """The old and new value of one stored field as an editor reads it."""
    if field.is_relation:
        names = _related_names(field, (old, new))
        label = field.related_model._meta.verbose_name
        return tuple(
            "" if v is None else names.get(v, f"{label} #{v} (since deleted)") for v in (old, new)
        )
    if field.choices:
        labels = dict(field.flatchoices)
        return tuple(str(labels.get(v, v or "")) for v in (old, new))
    if isinstance(field, models.BooleanField):
        return tuple("Yes" if v else "No" for v in (old, new))
    if isinstance(field, models.DateTimeField):
        return _when(old), _when(new)
    if field.name == "body":
        return _body_text(old), _body_text(new)
    return tuple("" if v is None else str(v) for v in (old, new))


# Many-to-many fields a revision stores as lists of ids, shown by the related rows it also
# holds for them (the tag links, followed with their tags' names).
SHOWN_AS_ROWS = {"tags": "tagged_items"}


def compared_fields(stored):
    """``(attname, field)`` for each field in the ``stored`` values of a revision that the
    compare page shows, in the model's order; a stored value the model no longer has (a
    field since removed) is shown under its own name with no field."""
    fields = {field.attname: field for field in Article._meta.concrete_fields}
    left_out = {Article._meta.pk.attname, *BOOKKEEPING, *SHOWN_AS_ROWS}
    wanted = set(stored) - left_out
    names = [name for name in fields if name in wanted] + sorted(wanted - fields.keys())
    return [(name, fields.get(name)) for name in names]


def _bylines(rows):
    rows = sorted((row["position"], row["author_id"]) for row in rows)
    names = dict(Author.objects.filter(pk__in=[a for _, a in rows]).values_list("pk", "name"))
    return ", ".join(names.get(author_id, f"author #{author_id}") for _, author_id in rows)


def _tags(rows):
    from taggit.models import Tag

    ids = [row["tag_id"] for row in rows]
    return ", ".join(sorted(Tag.objects.filter(pk__in=ids).values_list("name", flat=True)))


def _corrections(rows):
    kinds = dict(Correction.Kind.choices)
    rows = sorted(rows, key=lambda row: (row["published_at"] is None, row["published_at"]))
    return "\n".join(
        f"{kinds.get(row['kind'], row['kind'])}, {_when(row['published_at']) or 'not dated'}: "
        f"{row['text']}"
        for row in rows
    )


# How each kind of related row a revision follows is shown (see revisions.STORY_FOLLOWS).
RELATED = {
    "bylines": ("Byline", _bylines),
    "tagged_items": ("Tags", _tags),
    "corrections": ("Corrections and updates", _corrections),
}


def compare_versions(older, newer):
    """[{"label", "diff"}] for everything a revision stores that differs between two
    Version objects of one story. A lookup (a section's name, a photo's) is made only for
    a field that changed."""
    changes = []

    def add(label, old, new):
        if old != new:
            changes.append({"label": label, "diff": word_diff(old, new)})

    old_fields, new_fields = older.field_dict, newer.field_dict
    for name, field in compared_fields(old_fields.keys() | new_fields.keys()):
        old, new = old_fields.get(name), new_fields.get(name)
        if old == new:
            continue
        if field is None:
            add(capfirst(name.replace("_", " ")), str(old or ""), str(new or ""))
            continue
        add(LABELS.get(field.name) or capfirst(field.verbose_name), *_field_texts(field, old, new))
        if field.name == "body":
            add("Photos in the body", *_body_photos(old, new))
    old_held = list(older.revision.version_set.all())
    new_held = list(newer.revision.version_set.all())
    for follow in STORY_FOLLOWS:
        label, describe = RELATED[follow]
        old_rows, new_rows = (
            stored_rows(older, follow, old_held),
            stored_rows(newer, follow, new_held),
        )
        add(label, describe(old_rows), describe(new_rows))
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
    if field == "published_at":
        return _when(value)
    if field == "body":
        return _body_text(value)
    return "" if value is None else str(value)


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
