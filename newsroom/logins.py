"""
Throttling admin logins without letting one client lock an editor out.

django-axes counts failed logins. Two limits apply, both for LOGIN_LOCKOUT_MINUTES:

* **username + client address** (LOGIN_FAILURE_LIMIT, 5): someone guessing an
  editor's password from one address is stopped there; the editor, logging in
  from anywhere else, is not;
* **client address alone** (LOGIN_ADDRESS_FAILURE_LIMIT, 30): one address trying
  many usernames is stopped, for every username, but only at that address.

Neither locks an account for everyone. Both need the *real* client address:
behind a load balancer or CDN every request comes from the proxy, and keying on
it would let anyone lock out any editor. ``TRUSTED_PROXY_COUNT`` says how many
proxies of ours stand in front (docs/deploy.md); X-Forwarded-For is read only
then, and only the part our own proxies wrote.
"""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def client_address(request):
    """The client's address as our first trusted proxy saw it.

    Each proxy appends the address it received the request from to
    X-Forwarded-For, so with N trusted proxies the client is the N-th entry from
    the right; anything further left was written by the client and proves
    nothing. With no trusted proxies (the default), REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote  # did not come through all our proxies: the peer is the client
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class LoginThrottle(AxesDatabaseHandler):
    """axes' database handler, with the per-address limit added (see the module)."""

    def is_locked(self, request, credentials=None):
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # axes flags a lockout (turned into its 429 page) from its own count alone.
        if request is not None and self.address_locked(request):
            request.axes_locked_out = True

    @staticmethod
    def address_locked(request):
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return False
        since = timezone.now() - get_cool_off(request)
        failures = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=since
        ).aggregate(total=Sum("failures_since_start"))["total"]
        return (failures or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
