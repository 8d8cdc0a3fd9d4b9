"""newsroom/urls.py lists readers' patterns first, for speed: that is safe only while no
pattern matches an address another one makes, so each named address must resolve to
its own pattern whatever the order."""

from django.urls import URLPattern, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern

SAMPLES = {
    "FourDigitYear": 2026,
    "TwoDigits": 11,
    "StoryId": 7,
    "TagSlug": "budget",
    "SlugConverter": "harbour-budget",
    "StringConverter": "sections",
}


def test_every_named_address_resolves_to_its_own_pattern():
    checked = 0
    for pattern in get_resolver().url_patterns:
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        if not isinstance(pattern.pattern, RoutePattern):  # media/: last, a fixed prefix
            continue
        converters = pattern.pattern.converters
        kwargs = {name: SAMPLES[type(conv).__name__] for name, conv in converters.items()}
        address = reverse(pattern.name, kwargs=kwargs)
        assert resolve(address).url_name == pattern.name, address
        checked += 1
    assert checked > 30
