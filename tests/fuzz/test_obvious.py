"""Plain expectations for obvious bad inputs, and a check that the fuzzed site is real."""

import pytest

from .fuzzer import ANY_PAGE, UNPUBLISHED, Fuzzer

pytestmark = pytest.mark.django_db

OBVIOUS = [
    ("/?page=abc", 404),
    ("/?page=0", 404),
    ("/?page=-1", 404),
    ("/?page=１", 404),
    ("/?page=99999999999999999999", 404),
    ("/section/politics/?page=1.5", 404),
    ("/search/?q=harbour&page=abc", 404),
    ("/corrections/?page=%00", 404),
    ("/archive/?page=abc", 404),
    ("/archive/?start=2024-02-30", 400),
    ("/archive/?start=garbage&end=99999-01-01", 400),
    ("/archive/?order=random", 400),
    ("/archive/?section=no-such-section", 400),
    ("/api/articles/?page=abc", 400),
    ("/api/articles/?page_size=1000", 400),
    ("/api/articles/?published_after=garbage", 400),
    ("/api/articles/999999/", 404),
    ("/section/no-such-section/", 404),
    ("/tag/no-such-tag/", 404),
    ("/author/no-such-author/", 404),
    ("/section/%00/", 404),
    ("/2024/02/30/", 404),
    ("/2024/13/", 404),
    ("/２０２４/", 404),
    ("/preview/garbage/", 404),
    ("/sitemap-nonsense.xml", 404),
    ("/sitemap-stories.xml?p=abc", 404),
    ("/media/images/../../secret.txt", 400),
    ("/fragments/latest/abc/", 404),
    ("/fragments/latest/-1/", 404),
    ("/fragments/latest/99999999999999999999/", 404),
]


@pytest.mark.parametrize(("target", "status"), OBVIOUS)
def test_obvious_bad_inputs_get_a_clear_client_error(newsroom, target, status):
    fuzzer = Fuzzer(f"obvious {target}", ANY_PAGE)
    response, _ = fuzzer.send(target)
    fuzzer.check()
    assert response.status_code == status


def test_the_fuzzed_site_is_real_not_all_404s(client, newsroom):
    """The content the fuzz tests run against answers: redirects, a preview, a photo."""
    assert client.get("/tag/harbor/").status_code == 301
    assert client.get("/2024/03/06/old-pier-story/").status_code == 301
    preview = client.get(newsroom["share_url"])
    assert preview.status_code == 200 and UNPUBLISHED[0] in preview.content.decode()
    assert client.get("/media/images/ab/photo.jpg").status_code == 200
    assert "Harbour board" in client.get("/search/?q=harbour").content.decode()
    assert client.get("/archive/?section=politics&order=oldest").status_code == 200
