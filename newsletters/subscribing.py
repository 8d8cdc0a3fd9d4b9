"""
Signing up and managing a subscription, for readers without an account.

The sign-up form sits on cached reader pages, so it cannot carry a CSRF token; what
protects it instead is that a sign-up changes nothing: it only mails a confirmation
link to the address (double opt-in), and that mail is limited per address and per
client address, with a honeypot field that people leave empty and bots fill in.
Whoever owns the mailbox decides by clicking; until then the sign-up waits as a
``Signup`` row, deleted by the click or once its link has expired.

Addresses are never logged: rate-limit keys hold a hash of the address, and errors
name the subscriber by number (``Subscriber.__str__``).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from articles.access import public_authors, public_tags
from articles.models import Author, Section

from .links import USED, LinkError, read_confirm
from .models import Signup, Subscriber

HOUR = 3600
TOPIC_KINDS = ("section", "tag", "author")
FOLLOWS = {"section": "sections", "tag": "tags", "author": "authors"}


class SignupRefused(Exception):
    """Too many sign-ups for now; ``message`` is what the reader is told."""


def normalise_email(raw):
    """The address as stored (lower case, trimmed), or ValidationError."""
    email = (raw or "").strip().lower()
    if len(email) > 254:
        raise ValidationError("That email address is too long.")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError("Enter an email address such as name@example.com.") from None
    return email


def empty_topics():
    return {"briefing": False, "alerts": False, "section": [], "tag": [], "author": []}


def parse_topics(values):
    """The topics a sign-up form asked for: "briefing", "alerts", and "section:SLUG",
    "tag:SLUG", "author:SLUG" for follows. Unknown and private ones (a tag only a draft
    has) are left out, so nothing about unpublished work can be learned or followed."""
    topics = empty_topics()
    slugs = {kind: set() for kind in TOPIC_KINDS}
    for value in values[:20]:
        if value == "briefing":
            topics["briefing"] = True
        elif value == "alerts":
            topics["alerts"] = True
        else:
            kind, _, slug = value.partition(":")
            if kind in slugs and slug and len(slug) <= 100:
                slugs[kind].add(slug)
    if slugs["section"]:
        found = Section.objects.filter(slug__in=slugs["section"])
        topics["section"] = sorted(found.values_list("id", flat=True))
    if slugs["tag"]:
        found = public_tags(Tag.objects.filter(slug__in=slugs["tag"]))
        topics["tag"] = sorted(found.values_list("id", flat=True))
    if slugs["author"]:
        found = public_authors(Author.objects.filter(slug__in=slugs["author"]))
        topics["author"] = sorted(found.values_list("id", flat=True))
    return topics


def asks_for_something(topics):
    return bool(topics["briefing"] or topics["alerts"] or any(topics[k] for k in TOPIC_KINDS))


def _allow(key, limit):
    """Count one more under ``key`` for an hour; False once past ``limit``."""
    if cache.add(key, 1, HOUR):
        return limit >= 1
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, HOUR)
        return True


def address_key(email):
    return "newsletters:signup:address:" + hashlib.sha256(email.encode()).hexdigest()


def check_rate(email, client):
    """Raise SignupRefused when this address or this client asked too often this hour."""
    by_client = _allow(f"newsletters:signup:client:{client}", settings.NEWSLETTER_SIGNUPS_PER_IP)
    by_address = _allow(address_key(email), settings.NEWSLETTER_SIGNUPS_PER_ADDRESS)
    if not by_client:
        raise SignupRefused(
            "There have been too many sign-ups from your connection. Try again in an hour."
        )
    if not by_address:
        raise SignupRefused(
            "We have already sent several confirmation emails to this address. Check your "
            "inbox (and spam folder), or try again in an hour."
        )


def expired_before():
    return timezone.now() - timedelta(hours=settings.NEWSLETTER_CONFIRM_HOURS)


def request_signup(email, topics):
    """Keep the sign-up until its owner clicks (or its link expires), deleting those
    whose links have expired; returns the new ``Signup``."""
    Signup.objects.filter(created_at__lt=expired_before()).delete()
    return Signup.objects.create(email=email, topics=topics)


def check_confirm(token):
    """Raise LinkError if a confirmation link could not be used (before showing its
    button)."""
    if not Signup.objects.filter(pk=read_confirm(token)).exists():
        raise LinkError(USED)


def confirm(token):
    """Apply a confirmation link: create the subscriber or add the topics to theirs.
    Returns the subscriber; LinkError for a tampered, expired or used link."""
    signup_id = read_confirm(token)
    with transaction.atomic():
        signup = Signup.objects.select_for_update().filter(pk=signup_id).first()
        if signup is None:
            raise LinkError(USED)
        email, topics = signup.email, signup.topics
        signup.delete()
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
        if subscriber is None:
            subscriber = Subscriber(email=email, confirmed_at=timezone.now())
        subscriber.paused, subscriber.paused_reason = False, ""
        subscriber.daily_briefing |= bool(topics.get("briefing"))
        subscriber.breaking_alerts |= bool(topics.get("alerts"))
        subscriber.save()
        for kind, field in FOLLOWS.items():
            ids = [int(i) for i in topics.get(kind, []) if isinstance(i, int)]
            if ids:
                model = getattr(Subscriber, field).field.related_model
                getattr(subscriber, field).add(*model.objects.filter(pk__in=ids))
    return subscriber


def unsubscribe(subscriber_id):
    """Stop everything for this subscriber (one-click unsubscribe); True if they exist."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
        if subscriber is None:
            return False
        subscriber.daily_briefing = subscriber.breaking_alerts = False
        subscriber.save(update_fields=["daily_briefing", "breaking_alerts"])
        for field in FOLLOWS.values():
            getattr(subscriber, field).clear()
    return True


def export(subscriber):
    """Everything we hold about a subscriber, as the JSON the preferences page offers."""
    deliveries = subscriber.deliveries.select_related("send").order_by("id")
    return {
        "email": subscriber.email,
        "confirmed_at": subscriber.confirmed_at.isoformat(),
        "paused": subscriber.paused,
        "paused_reason": subscriber.paused_reason,
        "daily_briefing": subscriber.daily_briefing,
        "breaking_alerts": subscriber.breaking_alerts,
        "sections": list(subscriber.sections.values_list("name", flat=True)),
        "tags": list(subscriber.tags.values_list("name", flat=True)),
        "authors": list(subscriber.authors.values_list("name", flat=True)),
        "emails": [
            {
                "subject": d.send.subject,
                "kind": d.send.kind,
                "state": d.state,
                "sent_at": d.sent_at.isoformat() if d.sent_at else None,
            }
            for d in deliveries
        ],
    }
