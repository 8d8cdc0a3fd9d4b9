"""Share links: a tampered, truncated or made-up token never shows a preview, nor fails."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fuzzer import Fuzzer, fuzz
from .hostile import query_strings, segment, swept

pytestmark = pytest.mark.django_db


def test_forged_preview_tokens_are_a_plain_404(newsroom):
    fuzzer = Fuzzer("previews")
    real = newsroom["share_url"]
    fuzzer.warm_up(real)
    token = real.removeprefix("/preview/").removesuffix("/")

    def send(forged, query=""):
        response, _ = fuzzer.send(f"/preview/{forged}/?{query}")
        if response.wsgi_request.path_info != real:
            assert response.status_code in (301, 404), forged

    for forged in swept(["{}", token + "{}", "{}" + token, "{}:" + token.split(":", 1)[-1]]):
        send(forged)
    for cut in range(0, len(token), 7):
        send(token[:cut])

    tampered = st.tuples(
        st.integers(min_value=0, max_value=len(token) - 1), st.sampled_from(token + "x_-:.%")
    ).map(lambda t: token[: t[0]] + t[1] + token[t[0] + 1 :])
    tokens = st.one_of(
        tampered,
        segment.map(lambda junk: token + junk),
        segment.map(lambda junk: junk + ":" + token.split(":", 1)[-1]),
        segment,
    )

    @fuzz(150)
    @given(forged=tokens, query=query_strings({}))
    def check(forged, query):
        send(forged, query)

    check()
    fuzzer.check()
