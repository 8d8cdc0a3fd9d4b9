"""
django-csp's middleware, with the policy a response takes from the settings alone
built once per process instead of twice per response.

django-csp 4 builds the ``Content-Security-Policy`` header (and the report-only one)
from ``settings.CONTENT_SECURITY_POLICY`` on every response: a dataclass turned into a
dict, each directive copied, sorted and joined, about 4% of an uncached story page. A
reader page has no inline script, asks for no nonce and no decorator changes its
policy, so its header is the same string every time until the settings change: it is
built once here and set as django-csp would set it (the same exemptions, excluded
prefixes and debug pages). A response that does anything else (the admin's story form
asks for a nonce; ``@csp_update``/``@csp_replace``/``@csp_override`` give their own
parts) goes through django-csp unchanged, so the admin's nonce policy is its own.
"""

import functools
import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What a view or decorator sets on a response to change its policy (django-csp's
# get_policy_parts reads exactly these).
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)

_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)


@functools.cache
def _settings_policies():
    """(header, policy, excluded prefixes, the response's exemption flag) for the enforced
    and the report-only policy, as django-csp builds them from the settings with nothing
    per response; a policy that is not configured is empty."""
    enforced = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {}
    return (
        (HEADER, build_policy(), _excluded(enforced), "_csp_exempt"),
        (
            HEADER_REPORT_ONLY,
            build_policy(report_only=True),
            _excluded(report_only),
            "_csp_exempt_ro",
        ),
    )


def _excluded(config):
    return tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())


@receiver(setting_changed)
def _forget_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policies.cache_clear()


class ContentPolicyMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        path = request.path_info
        for header, policy, excluded, exempt in _settings_policies():
            if (
                policy
                and getattr(response, exempt, False) is False
                and header not in response
                and not path.startswith(excluded)
            ):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
