"""
The signed links a reader gets by email: confirm a sign-up, open their preferences,
unsubscribe in one click. No account and no password: the link is the key, so each
one says exactly what it may do and for how long.

* **confirm** carries the id of the waiting ``Signup`` (never the address: links end
  up in server and proxy logs), which the click deletes, so it works once. Expires
  after ``NEWSLETTER_CONFIRM_HOURS``.
* **preferences** carries the subscriber's id; it is in every email, so it works
  more than once, for ``NEWSLETTER_PREFERENCES_DAYS``.
* **unsubscribe** (RFC 8058 one-click) carries the id only and never expires: an old
  email must still let its reader leave.

Each kind has its own salt, so one kind of link can never be used as another.
"""

from django.conf import settings
from django.core import signing
from django.core.signing import b64_encode
from django.urls import reverse


class LinkError(Exception):
    """A link that cannot be used; ``message`` is what the reader is told."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


EXPIRED = "This link has expired. Sign up again and we will send you a new one."
BROKEN = "This link is not valid. Check that you copied all of it from the email."
USED = "This link has already been used."

_SALTS = {
    "confirm": "newsletters.confirm",
    "preferences": "newsletters.preferences",
    "unsubscribe": "newsletters.unsubscribe",
}


def _dumps(kind, payload):
    return signing.dumps(payload, salt=_SALTS[kind], compress=True)


def _loads(kind, token, max_age=None):
    try:
        return signing.loads(token, salt=_SALTS[kind], max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError(EXPIRED) from None
    except signing.BadSignature:
        raise LinkError(BROKEN) from None


def absolute(path):
    return settings.SITE_URL + path


# --- Confirmation -------------------------------------------------------------


def confirm_token(signup_id):
    return _dumps("confirm", signup_id)


def read_confirm(token):
    """The sign-up id a confirmation link names, or LinkError."""
    data = _loads("confirm", token, max_age=settings.NEWSLETTER_CONFIRM_HOURS * 3600)
    if not isinstance(data, int):
        raise LinkError(BROKEN)
    return data


def confirm_url(signup_id):
    return absolute(reverse("newsletters:confirm", args=[confirm_token(signup_id)]))


# --- Preferences and unsubscribe -----------------------------------------------


def preferences_token(subscriber_id):
    return _dumps("preferences", subscriber_id)


def read_preferences(token):
    data = _loads("preferences", token, max_age=settings.NEWSLETTER_PREFERENCES_DAYS * 86400)
    if not isinstance(data, int):
        raise LinkError(BROKEN)
    return data


def unsubscribe_token(subscriber_id):
    return _dumps("unsubscribe", subscriber_id)


def read_unsubscribe(token):
    data = _loads("unsubscribe", token)
    if not isinstance(data, int):
        raise LinkError(BROKEN)
    return data


def preferences_url(subscriber_id):
    return absolute(reverse("newsletters:preferences", args=[preferences_token(subscriber_id)]))


def unsubscribe_url(subscriber_id):
    return absolute(reverse("newsletters:unsubscribe", args=[unsubscribe_token(subscriber_id)]))


class Maker:
    """Each subscriber's preferences and unsubscribe addresses, for a send's many copies:
    the same links as ``preferences_url`` and ``unsubscribe_url``, with the signers
    and the addresses around the token worked out once (they cost a copy more than
    everything else did)."""

    def __init__(self):
        self.signers = {
            kind: signing.TimestampSigner(salt=_SALTS[kind])
            for kind in ("preferences", "unsubscribe")
        }
        self.around = {
            kind: absolute(reverse(f"newsletters:{kind}", args=["TOKEN"])).split("TOKEN")
            for kind in self.signers
        }

    def url(self, kind, subscriber_id):
        # The token ``sign_object(subscriber_id, compress=True)`` makes, without its JSON
        # encoder and the zlib attempt (an id never compresses): the JSON of an int is
        # its digits. A test holds the two equal.
        token = self.signers[kind].sign(b64_encode(str(int(subscriber_id)).encode()).decode())
        before, after = self.around[kind]
        return before + token + after
