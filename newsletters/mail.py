"""
The emails themselves: multipart text and HTML, the HTML's CSS inlined (mail programs
drop <style> blocks) with ``css-inline``, no images needed, every link absolute.

A send's email is the same for every subscriber except their own links (preferences
and one-click unsubscribe), so it is rendered and inlined once (``Letter``) and each
copy only has those links put in: that is what lets one worker make hundreds of
personalised copies a second.
"""

from email.utils import make_msgid

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from . import links

PREFERENCES = "NEWSLETTER-PREFERENCES-LINK"
UNSUBSCRIBE = "NEWSLETTER-UNSUBSCRIBE-LINK"
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render(template, context):
    """(text, html) of ``newsletters/email/<template>.txt|.html``, the HTML inlined."""
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "preferences_url": PREFERENCES,
        "unsubscribe_url": UNSUBSCRIBE,
        **context,
    }
    text = render_to_string(f"newsletters/email/{template}.txt", context, using="django")
    html = render_to_string(f"newsletters/email/{template}.html", context, using="django")
    return text, _inliner.inline(html)


class NewsletterMessage(EmailMultiAlternatives):
    """Headers on one line: Python's default folding at 78 characters turns a long
    List-Unsubscribe address with a colon in it into an RFC 2047 encoded word, which
    mail programs cannot read as a link (RFC 5322 allows lines of 998)."""

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        msg.policy = msg.policy.clone(max_line_length=998)
        return msg


class Letter:
    """One send's email, rendered once; ``copy_for`` makes each subscriber's."""

    def __init__(self, subject, template, context):
        self.subject = subject
        self.text, self.html = render(template, context)
        self.domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]

    def copy_for(self, subscriber_id, email, connection=None):
        preferences = links.preferences_url(subscriber_id)
        unsubscribe = links.unsubscribe_url(subscriber_id)

        def fill(body):
            return body.replace(PREFERENCES, preferences).replace(UNSUBSCRIBE, unsubscribe)

        message = NewsletterMessage(
            subject=self.subject,
            body=fill(self.text),
            to=[email],
            connection=connection,
            headers={
                "Message-ID": make_msgid(domain=self.domain or None),
                # RFC 8058: mail programs show an "Unsubscribe" button that POSTs here.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
                "Precedence": "bulk",
            },
        )
        message.attach_alternative(fill(self.html), "text/html")
        return message


def confirmation(email, topics_label, url):
    """The double opt-in email: the one mail sent to an address no one has confirmed,
    so it says what was asked for and that ignoring it is enough."""
    text, html = render(
        "confirm",
        {"url": url, "topics": topics_label, "hours": settings.NEWSLETTER_CONFIRM_HOURS},
    )
    message = EmailMultiAlternatives(
        subject=f"Confirm your {settings.SITE_NAME} emails",
        body=text,
        to=[email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def date_label(moment=None):
    return timezone.localtime(moment or timezone.now()).strftime("%A, %B %-d, %Y")
