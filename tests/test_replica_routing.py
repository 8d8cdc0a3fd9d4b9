"""Which requests may read the replica, decided without one: the rules of newsroom/routers.py
on their own (tests/test_replica.py runs them against a real primary and replica)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from articles.models import Article
from newsroom import routers

from .factories import make_story


def request_for(path, method="get", cookies=None):
    request = getattr(RequestFactory(), method)(path)
    request.COOKIES.update(cookies or {})
    return request


def sticky_cookie(settings):
    """The cookie a write's answer sets, as a browser sends it back."""
    response = HttpResponse()
    routers.ReplicaMiddleware.marked(request_for("/admin/", "post"), response)
    morsel = response.cookies[routers.STICKY_COOKIE]
    assert int(morsel["max-age"]) == settings.REPLICA_STICKY_SECONDS
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    return {routers.STICKY_COOKIE: morsel.value}


@pytest.mark.django_db
def test_only_an_anonymous_readers_get_of_a_reader_page_may_read_the_replica(settings):
    story = make_story("Council approves the harbour budget")
    for path in [story.path, "/", "/section/city/", "/feed/", "/search/?q=harbour"]:
        assert routers.may_use_replica(request_for(path)), path
        assert routers.may_use_replica(request_for(path, "head")), path
    for path in ["/admin/", "/admin/articles/article/", "/preview/abc/", "/healthz", "/metrics"]:
        assert not routers.may_use_replica(request_for(path)), path
    assert not routers.may_use_replica(request_for(story.path, "post"))
    signed_in = {settings.SESSION_COOKIE_NAME: "anything"}
    assert not routers.may_use_replica(request_for(story.path, cookies=signed_in))


def test_a_client_that_wrote_reads_the_primary_until_its_cookie_is_too_old(settings):
    settings.REPLICA_STICKY_SECONDS = 10
    with time_machine.travel(timezone.now(), tick=False) as clock:
        wrote = sticky_cookie(settings)
        assert not routers.may_use_replica(request_for("/", cookies=wrote))
        clock.shift(timedelta(seconds=9))
        assert not routers.may_use_replica(request_for("/", cookies=wrote))
        clock.shift(timedelta(seconds=2))
        assert routers.may_use_replica(request_for("/", cookies=wrote))  # signed 11 s ago
    for forged in ["1", wrote[routers.STICKY_COOKIE] + "x", ""]:
        cookie = {routers.STICKY_COOKIE: forged}
        assert routers.may_use_replica(request_for("/", cookies=cookie)), forged


@pytest.mark.django_db(transaction=True)  # no test transaction around it: it opens its own
def test_writes_migrations_and_reads_inside_a_transaction_stay_on_the_primary():
    router = routers.ReplicaRouter()
    assert router.db_for_read(Article) == "default"  # outside a reader's request
    token = routers._reads.set(routers.REPLICA)
    try:
        assert router.db_for_read(Article) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Article) == "default"
        assert router.db_for_write(Article) == "default"
    finally:
        routers._reads.reset(token)
    assert router.allow_migrate("default", "articles")
    assert not router.allow_migrate("replica", "articles")
