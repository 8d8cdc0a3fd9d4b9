"""Autosave (keep, restore, discard) and the live preview (issue 14), signed in as a
writer and as an editor, with hostile story ids and hostile form fields (impossible
dates, huge version numbers, control characters, very long bodies): never a 500; nobody
sees another person's autosave, and a writer never previews a colleague's draft."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.models import Autosave

from .fuzzer import desk_fuzzer, fuzz
from .hostile import DATE_EDGES, PAGE_EDGES, numbers, piece, swept

pytestmark = pytest.mark.django_db

FIELDS = {
    "headline": st.one_of(st.just("Ferry strike"), piece),
    "dek": piece,
    "body": st.one_of(st.just("<p>Ferry.</p>"), piece.map(lambda text: f"<p>{text}</p>"), piece),
    "section": numbers,
    "status": st.one_of(st.sampled_from(["draft", "review", "published", "withdrawn"]), piece),
    "published_at_0": st.one_of(st.sampled_from(DATE_EDGES), piece),
    "published_at_1": st.one_of(st.sampled_from(["12:00", "25:61", "99:99:99"]), piece),
    "slug": piece,
    "tags": piece,
    "opened_version": st.one_of(st.sampled_from(PAGE_EDGES), numbers),
    "seo_title": piece,
    "lead_image": numbers,
    "discard": st.sampled_from(["", "1", "0"]),
}
forms = st.fixed_dictionaries({}, optional=FIELDS)


def story_paths(desk):
    own, secret, pier = desk["own"], desk["secret_draft"], desk["story"]
    return ["", *(f"{pk}/" for pk in (own.pk, secret.pk, pier.pk, 999_999)), f"{'9' * 30}/"]


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_hostile_autosaves_and_live_previews_never_fail_nor_leak(desk, role):
    fuzzer = desk_fuzzer(desk, role, "admin_autosave")
    own, secret, pier = desk["own"], desk["secret_draft"], desk["story"]
    base = "/admin/articles/article/"
    fuzzer.warm_up(f"{base}{own.pk}/change/", f"{base}add/")

    # Nobody reads or restores another person's autosave.
    response, _ = fuzzer.send(f"{base}{pier.pk}/autosave/")
    assert response.status_code == 404
    fuzzer.send(f"{base}{pier.pk}/change/?restore=autosave")
    # A writer neither autosaves nor previews a colleague's draft.
    if role == "writer":
        for action in ("autosave", "live-preview"):
            response, _ = fuzzer.send(f"{base}{secret.pk}/{action}/", data={"headline": "x"})
            assert response.status_code in (403, 404), action
        assert not Autosave.objects.filter(article=secret).exists()

    for path in swept([base + "{}/autosave/", base + "{}/live-preview/"]):
        fuzzer.send(path, data={"headline": "x"})
    for value in swept(["{}"]):
        for field in ("headline", "body", "published_at_0", "opened_version", "section"):
            fuzzer.send(f"{base}{own.pk}/autosave/", data={field: value})
            fuzzer.send(f"{base}{own.pk}/live-preview/", data={field: value})
    for story in story_paths(desk):
        fuzzer.send(f"{base}{story}autosave/")
        fuzzer.send(f"{base}{story}autosave/", data={"discard": "1"})
        fuzzer.send(f"{base}{story}live-preview/", data={"body": "<p>x</p>"})
        fuzzer.send(f"{base}{story}live-preview/")  # a GET: refused, not failed
    fuzzer.send(f"{base}{own.pk}/autosave/", data={"body": "<p>" + "word " * 200_000 + "</p>"})

    @fuzz(150)
    @given(
        story=st.sampled_from(story_paths(desk)),
        action=st.sampled_from(["autosave", "live-preview"]),
        form=forms,
    )
    def check(story, action, form):
        fuzzer.send(f"{base}{story}{action}/", data=form)

    check()
    # What the writer kept is theirs to restore: the change page opens with it.
    fuzzer.send(f"{base}{own.pk}/autosave/", data={"headline": "Restored?", "dek": "x"})
    fuzzer.send(f"{base}{own.pk}/change/?restore=autosave")
    fuzzer.check()
