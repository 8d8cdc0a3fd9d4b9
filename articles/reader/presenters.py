"""Turn query rows into what reader templates show: bylines attached, dates formatted once."""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.utils import timezone
from django.utils.translation import get_language
from markupsafe import Markup, escape

from newsroom.memo import Bounded

from ..images.presentation import picture
from ..models.seo import reading_minutes, search_and_social, word_count
from . import addresses, live, metadata, queries
from .dates import long_date, machine_time, short_date, time_of_day


def _dates(row, zone=None, language=None):
    row["date_label"] = short_date(row["published_at"], zone, language)
    row["iso_date"] = machine_time(row["published_at"])
    return row


def moment(value, zone=None, language=None):
    """ "March 7, 2024, 9:30 a.m.", for notes with a time; ``zone`` and ``language`` as
    ``dates.short_date`` takes them, when the caller looked them up once."""
    return f"{short_date(value, zone, language)}, {time_of_day(value, zone, language)}"


def present_listing(rows, with_bylines=True, now=None):
    """Listing rows with their dates formatted and, if asked, their bylines; a live
    story's with its Live marker (and, with the bylines, its last update's time)."""
    by_story = queries.bylines([row["id"] for row in rows]) if with_bylines else {}
    live.mark_listing(rows, now or timezone.now(), with_times=with_bylines)
    zone, language = timezone.get_current_timezone(), get_language()
    for row in rows:
        _dates(row, zone, language)
        row["authors"] = addresses.linked(by_story.get(row["id"], []), "author")
        if row["section_slug"]:
            row["section_url"] = addresses.section(row["section_slug"])
        row["thumb"] = picture(row["image_renditions"], row["image_alt"], "thumb")
    return rows


def present_lead(row):
    """The front page's lead story also shows its photo uncropped."""
    row["image"] = picture(row["image_renditions"], row["image_alt"])
    return row


def present_notes(notes, zone=None, language=None):
    """Corrections and updates with their labels and times."""
    zone, language = zone or timezone.get_current_timezone(), language or get_language()
    for note in notes:
        note["when"] = moment(note["published_at"], zone, language)
        note["iso_date"] = machine_time(note["published_at"])
        note["label"] = "Correction" if note["kind"] == "correction" else "Update"
    return notes


def _story_details(row, authors, tags, notes, preview=False, live=None):
    # The zone and language, each a context-local read, looked up once for the page's
    # five dates rather than once per date.
    zone, language = timezone.get_current_timezone(), get_language()
    _dates(row, zone, language)
    row["image"] = picture(
        row["image_renditions"],
        row["image_alt"],
        caption=row["image_caption"],
        credit=row["image_credit"],
    )
    row["dateline_date"] = long_date(row["published_at"], zone, language)
    row["authors"] = addresses.linked(authors, "author")
    row["tags"] = addresses.linked(tags, "tag")
    if row["section_slug"]:
        row["section_url"] = addresses.section(row["section_slug"])
    row["url"] = settings.SITE_URL + row["path"]
    row["corrections"] = present_notes(notes, zone, language)
    row["published_label"] = moment(row["published_at"], zone, language)
    # "Updated" only for a correction or update readers can see that came after
    # publication (revised_at is held to the notes already public).
    revised = row.get("revised_at")
    if revised and revised <= row["published_at"]:
        revised = None
    row["revised_label"] = moment(revised, zone, language) if revised else ""
    row["revised_iso"] = machine_time(revised) if revised else ""
    row["body_with_dateline"] = with_dateline(row["body"] or "", row["dateline"])
    row["seo"] = search_and_social(
        row["headline"],
        row["dek"],
        row.get("seo_title", ""),
        row.get("meta_description", ""),
        row.get("social_title", ""),
        row.get("social_description", ""),
    )
    # Kept by every save (Article.word_count): counting it here parsed the body's
    # markup on every render.
    row["word_count"] = row["word_count"] or 0
    row["reading_minutes"] = reading_minutes(row["word_count"])
    row["show_reading_time"] = settings.STORY_READING_TIME
    # The head as data (``sharing``) for previews and live coverage, which story.html
    # prints through ``head_meta``; a published story's rendered here, once per process
    # with the rest of it (``published_story``).
    if preview or live is not None:
        row["sharing"], row["head"] = sharing(row, preview, live), ""
    else:
        meta = engines["reader"].env.get_template("includes/meta.html").module
        row["sharing"], row["head"] = None, meta.head_meta(sharing(row))
    return row


@receiver(setting_changed)
def _forget_stories(**kwargs):
    _stories.clear()  # they print the site's name, address, card and logo


def with_dateline(body, dateline):
    """The story's body with its dateline run into the first paragraph ("PORT ALDER —
    The council…"), set in small capitals by the stylesheet.

    ``body`` is sanitised on every save (``text.sanitize_html``), which leaves a
    paragraph no attributes: one that opens the body starts with a bare ``<p>``. Only
    the dateline, escaped, goes in after it; the body is not otherwise parsed or
    changed. A body that opens with something else (a photo, a heading) keeps the
    dateline as a paragraph of its own before it."""
    if not dateline:
        return Markup(body)  # noqa: S704  (sanitised on save, as story.html always trusted it)
    label = f'<span class="dateline">{escape(dateline)} —</span>'
    if body.startswith("<p>"):
        return Markup(f"<p>{label} {body[len('<p>') :]}")  # noqa: S704  (escaped; sanitised)
    return Markup(f'<p class="dateline-alone">{label}</p>{body}')  # noqa: S704  (the same)


def present_story(row, now, live=None):
    """A live story's row, from ``queries.story``, ready for story.html; ``live``: its
    live coverage part (``live.story_part``), if it has one."""
    authors, tags = queries.labels([row["id"]])
    # Most stories have no corrections; only those with an "Updated" time are asked.
    notes = queries.corrections(row["id"], now) if row["revised_at"] else []
    if live is not None:  # its updates change without the story: presented every time
        return _story_details(row, authors[row["id"]], tags[row["id"]], notes, live=live)
    return published_story(row, authors[row["id"]], tags[row["id"]], notes)


# A published story as story.html shows it, its own part of the page (the article)
# rendered, kept per process under everything that part and the presenters read: the
# dates, labels, picture, head and article cost an uncached story page about as much
# as the rest of its render (bench/instructions.py). Each holds the story's body and its
# article's HTML, tens of kilobytes at most; 200 at most a process.
_stories = Bounded(200)


def _plain(value):
    # A row's photo renditions (JSON) and a label list are not hashable; their repr() is
    # equal exactly when they are, as remember() relies on (newsroom/jinja2.py).
    return repr(value) if type(value) in (dict, list) else value


def published_story(row, authors, tags, notes):
    """``_story_details`` of a published story with its head (``includes/meta.html``) and
    its article (``story_article.html``) rendered, once per process for the story as it
    stands.

    The key is everything they read: every column of the story's row (``queries.story``:
    its words, times, section, photos, SEO fields), its bylines, tags and the
    corrections readers may see, the language and the time zone the dates are written
    in. So a save, a correction coming out, a renamed section, author or tag, or a new
    photo caption gives a new key and shows at once; a withdrawn story is never found,
    so never asked for. The settings they print (the site's address and name, the
    reading time) clear it when they change, as with reloading templates (DEBUG) it is
    not kept at all. Only public stories come here: previews and live coverage are
    presented every time."""
    zone, language = timezone.get_current_timezone(), get_language()
    key = (
        language,
        zone,
        tuple(_plain(value) for value in row.values()),
        repr((authors, tags, notes)),
    )
    try:
        return dict(_stories[key])  # a copy: nothing a view sets on it is kept
    except KeyError:
        pass
    story = _story_details(row, authors, tags, notes)
    env = engines["reader"].env
    story["article"] = env.get_template("includes/story_article.html").module.article(story)
    del story["body_with_dateline"]  # printed in the article alone
    if env.auto_reload:  # templates read again when changed: render them every time
        return story
    return dict(_stories.keep(key, story))


def present_instance(article, tags=None):
    """Any story, draft or scheduled included, as story.html shows it (for previews).

    ``tags`` ([{"name", "slug"}]) stand in for the saved ones, and a story never saved
    has no bylines or notes yet: the live preview shows a form that is not saved."""
    section, image, social = article.section, article.lead_image, article.social_image
    row = {
        "id": article.pk,
        "headline": article.headline,
        "dek": article.dek,
        "path": article.path or "",
        "published_at": article.published_at or timezone.now(),
        "dateline": article.dateline,
        "section_name": section.name if section else None,
        "section_slug": section.slug if section else None,
        "body": article.body,
        "word_count": word_count(article.body or ""),  # a preview may never be saved
        "slug": article.slug,
        "revised_at": article.revised_at,
        "image_renditions": image.renditions if image else None,
        "image_alt": image.alt_text if image else "",
        "image_caption": image.caption if image else "",
        "image_credit": image.credit if image else "",
        "seo_title": article.seo_title,
        "meta_description": article.meta_description,
        "social_title": article.social_title,
        "social_description": article.social_description,
        "social_image_renditions": social.renditions if social else None,
        "social_image_alt": social.alt_text if social else "",
    }
    authors, notes = [], []
    if article.pk is not None:
        authors = [
            {"name": byline.author.name, "slug": byline.author.slug}
            for byline in article.bylines.select_related("author")
        ]
        notes = list(article.corrections.values("kind", "text", "published_at"))
        if tags is None:
            tags = [{"name": tag.name, "slug": tag.slug} for tag in article.tags.order_by("name")]
    return _story_details(row, authors, tags or [], notes, preview=True)


def sharing(row, preview=False, live=None):
    """The story page's head (``metadata.story``): schema.org NewsArticle JSON-LD and the
    Open Graph / Twitter card values, with the SEO and social fields' fallbacks
    (``row["seo"]``) and the social image's fallback to the lead photo."""
    seo = row["seo"]
    modified = max(t for t in (row["published_at"], row.get("updated_at"), row["revised_at"]) if t)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": row["headline"][:110],
        "description": seo["description"],
        "datePublished": machine_time(row["published_at"]),
        "dateModified": machine_time(modified),
        "mainEntityOfPage": {"@type": "WebPage", "@id": row["url"]},
        "url": row["url"],
        "inLanguage": settings.SITE_LANGUAGE,
        "author": [
            {"@type": "Person", "name": a["name"], "url": addresses.absolute(a["url"])}
            for a in row["authors"]
        ],
        "keywords": [t["name"] for t in row["tags"]],
        "wordCount": row["word_count"],
    }
    if seo["title"] != row["headline"]:
        data["alternativeHeadline"] = seo["title"]
    if row["section_name"]:
        data["articleSection"] = row["section_name"]
    if live is not None:
        data = metadata.live_blog(data, live["coverage"], live["latest"], live["blog_updates"])
    return metadata.story(row, data, preview=preview)
