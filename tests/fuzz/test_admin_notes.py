"""The desk's notes (add, reply, resolve, reopen), the inbox and "request changes" (issue
14), signed in as a writer and as an editor, with hostile story and note ids, parents,
bodies, reasons and return addresses: never a 500, and a writer never sees a colleague's
draft or its notes, nor writes on them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.models import EditorialNote

from .fuzzer import desk_fuzzer, fuzz
from .hostile import numbers, piece, swept

pytestmark = pytest.mark.django_db

HUGE_IDS = ["0", "9" * 30, "9223372036854775808", "18446744073709551616", "²", "１"]


def ids(desk):
    """Ids a request may name: the writer's own, the colleague's, missing and too big."""
    story_ids = [desk["own"].pk, desk["secret_draft"].pk, desk["story"].pk, 999_999]
    note_ids = [desk["own_note"].pk, desk["secret_note"].pk, 999_999]
    return [str(n) for n in story_ids] + HUGE_IDS, [str(n) for n in note_ids] + HUGE_IDS


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_hostile_notes_inbox_and_requests_for_changes_never_fail(desk, role):
    fuzzer = desk_fuzzer(desk, role, "admin_notes")
    own, secret = desk["own"], desk["secret_draft"]
    fuzzer.warm_up("/admin/", f"/admin/articles/article/{own.pk}/change/")
    story_ids, note_ids = ids(desk)

    # A writer writes on their own story's notes, never on a colleague's.
    response, _ = fuzzer.send(f"/admin/desk/stories/{secret.pk}/notes/", data={"body": "Hi"})
    if role == "writer":
        assert response.status_code == 404
        for action in ("resolve", "reopen"):
            response, _ = fuzzer.send(
                f"/admin/desk/notes/{desk['secret_note'].pk}/{action}/", data={}
            )
            assert response.status_code == 404
        assert EditorialNote.objects.filter(article=secret).count() == 1

    templates = [
        "/admin/desk/stories/{}/notes/",
        "/admin/desk/notes/{}/resolve/",
        "/admin/desk/notes/{}/reopen/",
        "/admin/desk/stories/{}/request-changes/",
    ]
    for path in swept(templates):
        fuzzer.send(path, data={"body": "x", "reason": "x"})
    for value in swept(["{}"]):
        fuzzer.send(f"/admin/desk/stories/{own.pk}/notes/", data={"body": value, "parent": ""})
        fuzzer.send(f"/admin/desk/stories/{own.pk}/notes/", data={"body": "x", "parent": value})
        fuzzer.send("/admin/desk/inbox/read/", data={"item": value, "next": value})
        fuzzer.send(f"/admin/desk/stories/{own.pk}/request-changes/", data={"reason": value})
    for story_id in story_ids:
        for note_id in note_ids:
            fuzzer.send(
                f"/admin/desk/stories/{story_id}/notes/", data={"body": "x", "parent": note_id}
            )
        fuzzer.send(f"/admin/desk/stories/{story_id}/request-changes/")
    for note_id in note_ids:
        fuzzer.send(f"/admin/desk/notes/{note_id}/resolve/", data={})
        fuzzer.send(f"/admin/desk/notes/{note_id}/reopen/")  # a GET: only the buttons POST
        fuzzer.send("/admin/desk/inbox/read/", data={"item": note_id})

    story = st.one_of(st.sampled_from(story_ids), numbers)
    note = st.one_of(st.sampled_from(note_ids), numbers)
    raw_body = st.lists(st.tuples(piece, piece), max_size=4).map(
        lambda pairs: "&".join(f"{key}={value}" for key, value in pairs)
    )
    requests = st.one_of(
        st.builds(
            lambda s, body, parent: (
                f"/admin/desk/stories/{s}/notes/",
                {"body": body, "parent": parent},
            ),
            story,
            piece,
            st.one_of(note, st.just("")),
        ),
        st.builds(
            lambda n, action: (f"/admin/desk/notes/{n}/{action}/", {}),
            note,
            st.sampled_from(["resolve", "reopen"]),
        ),
        st.builds(
            lambda s, reason: (f"/admin/desk/stories/{s}/request-changes/", {"reason": reason}),
            story,
            piece,
        ),
        st.builds(
            lambda item, target: ("/admin/desk/inbox/read/", {"item": item, "next": target}),
            st.one_of(note, st.just("all")),
            piece,
        ),
        st.builds(lambda s, body: (f"/admin/desk/stories/{s}/notes/", body), story, raw_body),
    )

    @fuzz(200)
    @given(request=requests)
    def check(request):
        path, data = request
        fuzzer.send(path, data=data)

    check()
    fuzzer.check()
