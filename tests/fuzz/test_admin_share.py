"""Share links (create, revoke) and the history's compare page (issue 14), signed in as a
writer and as an editor, with hostile story ids, link ids and revision numbers: never a
500; a writer neither shares, revokes nor compares a colleague's draft."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reversion.models import Version

from articles.models import PreviewLink

from .fuzzer import desk_fuzzer, fuzz
from .hostile import PAGE_EDGES, Param, edge_queries, numbers, piece, query_strings, swept

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_hostile_share_links_and_compares_never_fail(desk, role):
    fuzzer = desk_fuzzer(desk, role, "admin_share")
    own, secret, pier = desk["own"], desk["secret_draft"], desk["story"]
    base = "/admin/articles/article/"
    revisions = [str(pk) for pk in Version.objects.get_for_object(own).values_list("pk", flat=True)]
    compare = f"{base}{own.pk}/history/compare/"
    fuzzer.warm_up(f"{base}{own.pk}/change/", f"{compare}?from={revisions[0]}&to={revisions[-1]}")
    secret_link, own_link = desk["secret_link"], desk["own_link"]

    if role == "writer":
        share = f"{base}{secret.pk}/share/"
        for path in (share, f"{share}{secret_link.pk}/revoke/"):
            response, _ = fuzzer.send(path, data={})
            assert response.status_code in (403, 404), path
        response, _ = fuzzer.send(f"{base}{secret.pk}/history/compare/?from=1&to=2")
        assert response.status_code == 404
        secret_link.refresh_from_db()
        assert secret_link.revoked_at is None
        assert PreviewLink.objects.filter(article=secret).count() == 1

    stories = [str(pk) for pk in (own.pk, secret.pk, pier.pk, 999_999)] + ["9" * 30, "²", "0"]
    links = [str(link) for link in (own_link.pk, secret_link.pk, uuid.uuid4())]
    templates = [
        base + "{}/share/",
        f"{base}{own.pk}/share/{{}}/revoke/",
        base + "{}/history/compare/",
    ]
    for path in swept(templates):
        fuzzer.send(path, data={})
    for story in stories:
        fuzzer.send(f"{base}{story}/share/", data={})
        fuzzer.send(f"{base}{story}/share/")  # a GET: back to the story, or a 404
        for link in links:
            fuzzer.send(f"{base}{story}/share/{link}/revoke/", data={})
            fuzzer.send(f"{base}{story}/share/{link}/revoke/")
    revision = Param(tuple(revisions), (*PAGE_EDGES, "9" * 30, "-0", "1e3"), numbers)
    params = {"from": revision, "to": revision}
    for query in edge_queries(params):
        fuzzer.send(f"{base}{own.pk}/history/compare/?{query}")
        fuzzer.send(f"{base}{secret.pk}/history/compare/?{query}")

    @fuzz(150)
    @given(
        story=st.one_of(st.sampled_from(stories), piece),
        link=st.one_of(st.sampled_from(links), piece),
        query=query_strings(params),
        kind=st.sampled_from(["share", "revoke", "compare"]),
    )
    def check(story, link, query, kind):
        if kind == "share":
            fuzzer.send(f"{base}{story}/share/", data={})
        elif kind == "revoke":
            fuzzer.send(f"{base}{story}/share/{link}/revoke/", data={})
        else:
            fuzzer.send(f"{base}{story}/history/compare/?{query}")

    check()
    fuzzer.check()
