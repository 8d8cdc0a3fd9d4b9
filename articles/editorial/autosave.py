"""
Autosaves: a private copy of what someone has typed into a story's form and not saved.

The change form sends its fields here every few seconds and when the page is left.
Nothing here ever writes to the story: readers, other editors and the story's
revisions never see an autosave. Reopening the form offers its author to restore it
(into the form, to be saved from there) or to discard it.

An autosave remembers the story version its form was opened on. Restoring one puts
that version, not the current one, into the form's ``opened_version``: if someone
else saved the story meanwhile, saving the restored form is refused like any stale
save, so an autosave can never overwrite another editor's saved work.

Only the content fields are kept. Status, publication time and the home-page flag
are decisions, not typing; an old autosave must not quietly unpublish or reschedule
a story when restored.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from taggit.utils import parse_tags

from .. import access
from ..models import Autosave, Image, Section
from ..text import strip_control_characters
from .diffs import body_text, word_diff

# (form field, label in the restore offer's diff), in the form's order.
FIELDS = [
    ("headline", "Headline"),
    ("dek", "Dek"),
    ("body", "Body"),
    ("lead_image", "Lead photo"),
    ("section", "Section"),
    ("tags", "Tags"),
    ("dateline", "Dateline"),
    ("slug", "Slug"),
    ("seo_title", "SEO title"),
    ("meta_description", "Meta description"),
    ("social_title", "Social title"),
    ("social_description", "Social description"),
    ("social_image", "Social image"),
]
NAMES = [name for name, _ in FIELDS]
PHOTOS = {"lead_image", "social_image"}
# The longest value kept for one field; a body is far shorter. A request that sends
# more is refused rather than stored.
MAX_FIELD_CHARS = 1_000_000


class TooLarge(ValueError):
    """The form sent more text than any story holds."""


def saved_values(story):
    """The story's content fields as its form sends them (strings; ids for photos and
    section; tags as a comma-separated list). A new story (None) has none."""
    if story is None:
        return dict.fromkeys(NAMES, "")
    values = {}
    for name in NAMES:
        if name == "tags":
            values[name] = ", ".join(sorted(tag.name for tag in story.tags.all()))
        elif name in PHOTOS or name == "section":
            value = getattr(story, f"{name}_id")
            values[name] = "" if value is None else str(value)
        else:
            values[name] = str(getattr(story, name) or "")
    return values


def _form_values(data):
    """The content fields of a submitted form (a QueryDict), as strings."""
    values = {}
    for name in NAMES:
        value = str(data.get(name, "") or "")
        if len(value) > MAX_FIELD_CHARS:
            raise TooLarge(f"The {name} field is too long to keep.")
        # Characters no text field can hold (a NUL: PostgreSQL refuses it in JSON)
        # would fail the save; the form's own save drops them too.
        values[name] = strip_control_characters(value.replace("\r\n", "\n"))
    return values


def _same(form, saved):
    def normal(name, value):
        if name == "tags":
            return sorted(parse_tags(value))
        return value.strip()

    return all(normal(name, form[name]) == normal(name, saved[name]) for name in NAMES)


def find(user, story):
    """``user``'s autosave of ``story`` (None: their new story), or None. Nobody
    else's: ``access.autosaves_of`` is the only way in."""
    where = {"article": story} if story is not None else {"article__isnull": True}
    return access.autosaves_of(user).filter(**where).first()


def keep(user, story, data):
    """Keep ``user``'s unsaved form ``data`` for ``story`` (None: a new story).

    Returns the autosave, or None when the form holds nothing the story does not:
    then any older autosave goes too, as there is nothing left to recover. Refuses
    (PermissionDenied) anyone who could not save the form itself."""
    if not access.may_autosave(user, story):
        raise PermissionDenied
    values = _form_values(data)
    if _same(values, saved_values(story)):
        discard(user, story)
        return None
    based_on = None
    if story is not None:
        based_on = story.edit_version
        try:
            opened = int(data.get("opened_version", ""))
        except ValueError:
            opened = None
        if opened is not None and 0 <= opened <= story.edit_version:
            based_on = opened
    fields = {"data": values, "based_on_version": based_on, "saved_at": timezone.now()}
    # Two tabs of one person can autosave the same story at once: the unique
    # constraint lets one create the row, and the other then updates it.
    for attempt in range(2):
        try:
            with transaction.atomic():
                autosave, _ = Autosave.objects.update_or_create(
                    user=user, article=story, defaults=fields
                )
            return autosave
        except IntegrityError:
            if attempt:
                raise
    return None


def discard(user, story):
    """Forget ``user``'s autosave of ``story``: after they save the story or choose to."""
    where = {"article": story} if story is not None else {"article__isnull": True}
    access.autosaves_of(user).filter(**where).delete()


def is_behind(autosave, story):
    """Whether the story was saved (by anyone) after the form behind ``autosave`` was
    opened: restoring it then needs a merge, and the stale-save check will insist."""
    return story is not None and autosave.based_on_version != story.edit_version


def form_initial(autosave):
    """The form's starting values when its author restores ``autosave``, with the
    version it was based on, so that the stale-save rule still applies."""
    initial = {name: autosave.data.get(name, "") for name in NAMES}
    for name in PHOTOS | {"section"}:
        initial[name] = initial[name] or None
    if autosave.based_on_version is not None:
        initial["opened_version"] = autosave.based_on_version
    return initial


def _readable(name, value, labels):
    if name in PHOTOS or name == "section":
        return labels.get((name, value), f"#{value}") if value else ""
    if name == "body":
        return body_text(value)
    if name == "tags":
        return ", ".join(sorted(parse_tags(value)))
    return value


def _labels(*value_sets):
    """Names for the photos and sections the values mention, in two queries at most."""
    photo_ids = {v[n] for v in value_sets for n in PHOTOS if v[n].isdigit()}
    section_ids = {v["section"] for v in value_sets if v["section"].isdigit()}
    labels = {}
    for photo in Image.objects.filter(pk__in=photo_ids) if photo_ids else []:
        for name in PHOTOS:
            labels[(name, str(photo.pk))] = str(photo)
    for section in Section.objects.filter(pk__in=section_ids) if section_ids else []:
        labels[("section", str(section.pk))] = section.name
    return labels


def changes(autosave, story):
    """[{"label", "diff"}]: how the autosave differs from the story as saved now."""
    saved = saved_values(story)
    kept = {name: str(autosave.data.get(name, "")) for name in NAMES}
    labels = _labels(saved, kept)
    result = []
    for name, label in FIELDS:
        old = _readable(name, saved[name], labels)
        new = _readable(name, kept[name], labels)
        if old.strip() != new.strip():
            result.append({"label": label, "diff": word_diff(old, new)})
    return result
