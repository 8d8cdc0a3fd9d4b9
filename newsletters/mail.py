"""
The emails themselves: multipart text and HTML, the HTML's CSS inlined (mail programs
drop <style> blocks) with ``css-inline``, no images needed, every link absolute.

A send's email is the same for every subscriber except their own links (preferences
and one-click unsubscribe), so it is rendered and inlined once (``Letter``) and each
copy only has those links put in: that is what lets one worker make hundreds of
personalised copies a second.
"""

import base64
import secrets
from email.header import Header
from email.utils import formatdate, make_msgid, parseaddr

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
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
    """One subscriber's copy. Its body and alternatives are set as for any email (what
    API backends such as anymail's read); ``message()``, which the SMTP backend turns
    into bytes, returns the copy assembled from the parts its ``Letter`` encoded once."""

    def __init__(self, *args, letter, links, **kwargs):
        super().__init__(*args, **kwargs)
        self.letter, self.links = letter, links

    def message(self, *args, **kwargs):
        return Assembled(self.letter.assemble(self))


class Assembled:
    """What backends ask of ``EmailMessage.message()``'s result: its bytes."""

    def __init__(self, data):
        self.data = data

    def as_bytes(self, linesep="\n", **kwargs):
        return self.data if linesep == "\r\n" else self.data.replace(b"\r\n", linesep.encode())

    def as_string(self, **kwargs):
        return self.as_bytes().decode("ascii")

    def get_charset(self):
        return None


def _base64(text):
    """Base64 in lines of 76 characters, CRLF-ended."""
    encoded = base64.b64encode(text.encode())
    return b"".join(encoded[n : n + 76] + b"\r\n" for n in range(0, len(encoded), 76))


def _header(value):
    """A header value as ASCII: unchanged if it is, else an RFC 2047 encoded word."""
    return value if value.isascii() else Header(value, "utf-8").encode()


class Letter:
    """One send's email, rendered once; ``copy_for`` makes each subscriber's.

    Python's email package takes milliseconds to build and serialise a multipart
    message, more than everything else a copy costs together. The parts that are the
    same in every copy (the headers, the MIME structure) are encoded here once; a copy
    puts in its own links, base64-encodes its two bodies (C speed) and joins the bytes.
    All in ASCII with CRLF line ends, lines at most 76 characters except the
    List-Unsubscribe header (one line, as RFC 5322 allows up to 998: folded, mail
    programs could not read the address)."""

    def __init__(self, subject, template, context):
        self.subject = subject
        self.text, self.html = render(template, context)
        self.domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        self.links = links.Maker()
        self.boundary = f"==newsroom-{secrets.token_hex(12)}=="
        self.sender = sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8")
        # The bare address for SMTP's MAIL FROM, worked out once (sending.smtp_send).
        address = parseaddr(sender)[1]
        self.envelope_sender = address if address.isascii() and "<" not in address else ""
        self.head = (
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            "MIME-Version: 1.0\r\n"
            f"Subject: {_header(subject)}\r\n"
            f"From: {sender}\r\n"
        ).encode()
        self.part = (
            '--{boundary}\r\nContent-Type: text/{kind}; charset="utf-8"\r\n'
            "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        )

    def copy_for(self, subscriber_id, email, connection=None):
        preferences = self.links.url("preferences", subscriber_id)
        unsubscribe = self.links.url("unsubscribe", subscriber_id)

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
            letter=self,
            links=(preferences, unsubscribe),
        )
        message.attach_alternative(fill(self.html), "text/html")
        return message

    def assemble(self, message):
        (to,) = message.to
        to = to if to.isascii() else sanitize_address(to, "utf-8")
        headers = "".join(
            f"{name}: {value}\r\n"
            for name, value in (
                ("To", to),
                ("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
                *message.extra_headers.items(),
            )
        )
        html = message.alternatives[0][0]
        return b"".join(
            [
                self.head,
                headers.encode(),
                b"\r\n",
                self.part.format(boundary=self.boundary, kind="plain").encode(),
                _base64(message.body),
                self.part.format(boundary=self.boundary, kind="html").encode(),
                _base64(html),
                f"--{self.boundary}--\r\n".encode(),
            ]
        )


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
