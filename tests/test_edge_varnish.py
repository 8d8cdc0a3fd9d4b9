"""Through a real Varnish (deploy/varnish/default.vcl, xkey vmod) in front of gunicorn.

With EDGE_PURGE_BACKEND=varnish and CDN_MAX_AGE of an hour, a publication, a
correction and a withdrawal drop exactly the pages they change at the edge, right
after the purge task ran (TASKS_BACKEND=immediate: in the saving process, after the
commit), while unrelated pages stay cached (X-Cache: HIT). Editors and cookies pass
through; while the origin is down, Varnish serves its expired copies (grace).
"""

import contextlib
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from .conftest import service_missing
from .servers import BIN, ROOT, free_port, manage, served_site

# One served site and Varnish for the module (one xdist worker); it serves its own database.
pytestmark = [pytest.mark.slow, pytest.mark.own_database, pytest.mark.xdist_group("edge-varnish")]

VCL = ROOT / "deploy" / "varnish" / "default.vcl"


class Varnish:
    """varnishd in the foreground on a free loopback port, with the repository's VCL
    pointed at ``backend_port``; stopped by its PID."""

    def __init__(self, folder, backend_port):
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.vcl = folder / "default.vcl"
        text = VCL.read_text()
        assert '.port = "8000";' in text
        self.vcl.write_text(text.replace('.port = "8000";', f'.port = "{backend_port}";'))
        self.workdir = folder / "work"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                *("varnishd", "-F", "-j", "none", "-n", str(self.workdir)),
                *("-a", f"127.0.0.1:{self.port}", "-T", f"127.0.0.1:{free_port()}"),
                *("-f", str(self.vcl), "-s", "malloc,64m"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "varnish.log", "wb"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(
                    urllib.request.Request(self.base + "/", method="HEAD"), timeout=10
                )
                return self
            except urllib.error.HTTPError:
                return self  # Varnish answers (the origin may not be up yet)
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError((self.folder / "varnish.log").read_text()) from None
                time.sleep(0.2)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def backend_health(self):
        result = subprocess.run(
            ["varnishadm", "-n", str(self.workdir), "backend.list"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return result.stdout

    def get(self, path, **headers):
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def cache(self, path, **headers):
        """The X-Cache header of a GET (HIT, MISS or PASS) and the status."""
        status, found, _ = self.get(path, **headers)
        return found.get("X-Cache"), status


def run(site, code):
    """Python in the site's own environment (its database, its purge settings)."""
    return manage(site["env"], "shell", "-c", code)


SETUP = """
import contextlib
import json
from django.utils import timezone
from datetime import timedelta
from articles.models import Article, Author, Byline, Section
def story(headline, section, author, tags, status="published"):
    s = Article.objects.create(headline=headline, section=section, status=status,
        body="<p>" + headline + ".</p>", dek=headline,
        published_at=timezone.now() - timedelta(hours=1) if status == "published" else None)
    Byline.objects.create(article=s, author=author, position=0)
    s.tags.add(*tags)
    return s
harbour = Section.objects.create(name="Harbour desk", slug="edge-harbour")
city = Section.objects.create(name="City desk", slug="edge-city")
ana = Author.objects.create(name="Ana Edge", slug="edge-ana")
bo = Author.objects.create(name="Bo Edge", slug="edge-bo")
a = story("Ferry timetable changes", harbour, ana, ["edge-ferries"])
b = story("Tram works on the bridge", city, bo, ["edge-trams"])
d = story("Night ferry returns", harbour, ana, ["edge-ferries"], status="draft")
print(json.dumps({"a": a.path, "b": b.path, "d": d.pk}))
"""


@contextlib.contextmanager
def edge_site(folder, setup=SETUP, **more):
    """A served site behind its own Varnish, purging it, pages kept an hour; ``setup``'s
    last line of output (JSON) joins what it yields."""
    if not shutil.which("varnishd"):
        service_missing("varnishd is not installed (apt-get install varnish varnish-modules)")
    origin_port = free_port()
    varnish = Varnish(folder / "varnish", origin_port).start()
    settings = {
        "CDN_MAX_AGE": "3600",
        "EDGE_PURGE_BACKEND": "varnish",
        "EDGE_PURGE_URLS": varnish.base,
        "TASKS_BACKEND": "immediate",
        "EDGE_PURGE_RETRY_SECONDS": "0.1",
        **more,
    }
    try:
        with served_site(folder, port=origin_port, settings=settings) as site:
            found = json.loads(run(site, setup).strip().splitlines()[-1])
            # Varnish started before the origin, so its probe saw it down: wait for the
            # probe to see it up (2 good answers of 3, a second apart), or Varnish
            # answers 503 for pages it does not hold yet.
            deadline = time.monotonic() + 60
            while "healthy" not in varnish.backend_health().lower():
                assert time.monotonic() < deadline, varnish.backend_health()
                time.sleep(0.5)
            yield {"site": site, "varnish": varnish, **found}
    finally:
        varnish.stop()


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    with edge_site(tmp_path_factory.mktemp("edge")) as found:
        yield found


# The pages of each story's world.
A_PAGES = ["/section/edge-harbour/", "/tag/edge-ferries/", "/author/edge-ana/"]
B_PAGES = ["/section/edge-city/", "/tag/edge-trams/", "/author/edge-bo/"]
SITE_PAGES = ["/", "/feed/", "/sitemap.xml"]


def warm(varnish, paths):
    for path in paths:
        varnish.get(path)
        assert varnish.cache(path) == ("HIT", 200), path


def test_pages_are_kept_for_an_hour_and_their_keys_stay_at_the_edge(edge):
    varnish = edge["varnish"]
    status, headers, _ = varnish.get(edge["a"])
    assert status == 200
    assert "s-maxage=3600" in headers["Cache-Control"]
    assert "xkey" not in {name.lower() for name in headers}
    assert varnish.cache(edge["a"]) == ("HIT", 200)


def test_a_publication_purges_exactly_its_pages(edge):
    varnish = edge["varnish"]
    warm(varnish, [edge["a"], edge["b"], *A_PAGES, *B_PAGES, *SITE_PAGES])
    run(
        edge["site"],
        "from articles.models import Article; from articles.editorial.workflow import transition;"
        "from django.contrib.auth import get_user_model;"
        f"transition(Article.objects.get(pk={edge['d']}), 'published',"
        " get_user_model().objects.get(username='desk'))",
    )
    # Its section, tag and author pages, the site-wide pages, and the story sharing its
    # tag (Related stories) were dropped; the other desk's pages were not.
    for path in [*A_PAGES, *SITE_PAGES, edge["a"]]:
        assert varnish.cache(path) == ("MISS", 200), path
    for path in [*B_PAGES, edge["b"]]:
        assert varnish.cache(path) == ("HIT", 200), path
    _, _, body = varnish.get("/section/edge-harbour/")
    assert b"Night ferry returns" in body


def test_a_correction_purges_exactly_its_pages(edge):
    varnish = edge["varnish"]
    warm(varnish, [edge["a"], edge["b"], *A_PAGES, *B_PAGES, *SITE_PAGES])
    run(
        edge["site"],
        "from articles.models import Article, Correction;"
        f"Correction.objects.create(article=Article.objects.get(path={edge['b']!r}),"
        " text='The bridge closes on Sunday, not Saturday.')",
    )
    for path in [*B_PAGES, *SITE_PAGES, edge["b"]]:
        assert varnish.cache(path) == ("MISS", 200), path
    for path in [*A_PAGES, edge["a"]]:
        assert varnish.cache(path) == ("HIT", 200), path
    _, _, body = varnish.get(edge["b"])
    assert b"not Saturday" in body


def test_a_withdrawn_story_is_gone_from_the_edge_as_soon_as_the_task_ran(edge):
    varnish = edge["varnish"]
    warm(varnish, [edge["a"], edge["b"], *A_PAGES, *B_PAGES, *SITE_PAGES])
    run(
        edge["site"],
        "from articles.models import Article; from articles.editorial.workflow import transition;"
        "from django.contrib.auth import get_user_model;"
        f"transition(Article.objects.get(path={edge['a']!r}), 'withdrawn',"
        " get_user_model().objects.get(username='desk'))",
    )
    # Right after the save (and its purge task) returned: no copy of the page, nor a
    # list naming it, is left, although the edge may keep pages an hour.
    cached, status = varnish.cache(edge["a"])
    assert status == 404 and cached != "HIT"  # a 404 is never kept (PASS: hit-for-miss)
    for path in [*A_PAGES, *SITE_PAGES]:
        status, headers, body = varnish.get(path)
        # MISS, or PASS for a list that now answers 404 (a tag known only through the
        # withdrawn story): never the copy from before.
        assert headers["X-Cache"] in ("MISS", "PASS"), path
        assert b"Ferry timetable changes" not in body, path
    # Other story pages' Latest blocks named it: dropped too; the other desk's lists stay.
    assert varnish.cache(edge["b"]) == ("MISS", 200)
    for path in B_PAGES:
        assert varnish.cache(path) == ("HIT", 200), path


def test_editors_sessions_posts_and_the_admin_pass_through(edge):
    varnish = edge["varnish"]
    warm(varnish, [edge["b"]])
    status, headers, _ = varnish.get(edge["b"], Cookie="sessionid=an-editors-session")
    assert (headers["X-Cache"], status) == ("PASS", 200)
    assert "private" in headers["Cache-Control"]
    assert varnish.cache("/admin/login/") == ("PASS", 200)
    # What the origin does not say may be kept is not kept (an address nothing answers).
    status, headers, _ = varnish.get("/no/such/address/")
    assert status == 404 and "Cache-Control" not in headers
    assert varnish.cache("/no/such/address/") == ("PASS", 404)
    # A reader's other cookies change nothing: the shared copy.
    assert varnish.cache(edge["b"], Cookie="_ga=GA1.1.42; csrftoken=x") == ("HIT", 200)
    request = urllib.request.Request(varnish.base + "/search/", data=b"q=ferry", method="POST")
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.headers["X-Cache"] == "PASS"


def test_only_loopback_may_purge_and_a_purge_names_its_count(edge):
    varnish = edge["varnish"]
    warm(varnish, ["/tag/edge-trams/"])
    request = urllib.request.Request(
        varnish.base + "/", method="PURGE", headers={"xkey": "tag-pages:edge-trams"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    assert varnish.cache("/tag/edge-trams/") == ("MISS", 200)


def another_origin(env, port):
    """A second gunicorn on the same database, for a test that stops its origin."""
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "newsroom.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_grace_serves_stale_pages_while_the_origin_is_down(edge, tmp_path):
    """Another origin on the same database with pages kept one second, and its own Varnish."""
    port = free_port()
    env = {**edge["site"]["env"], "CDN_MAX_AGE": "1", "EDGE_PURGE_BACKEND": "none"}
    origin = another_origin(env, port)
    varnish = Varnish(tmp_path / "varnish", port).start()
    try:
        deadline = time.monotonic() + 60
        while varnish.cache(edge["b"])[1] != 200:
            assert time.monotonic() < deadline, "the origin did not come up"
            time.sleep(0.2)
        origin.terminate()
        origin.wait(timeout=20)
        deadline = time.monotonic() + 30
        while "sick" not in varnish.backend_health():
            assert time.monotonic() < deadline, varnish.backend_health()
            time.sleep(0.2)
        time.sleep(1.5)  # past the page's one-second lifetime
        status, headers, body = varnish.get(edge["b"])
        assert (status, headers["X-Cache"]) == (200, "HIT")
        assert int(headers["Age"]) >= 1
        assert b"Tram works on the bridge" in body
        # A page it never kept has nothing to fall back on.
        assert varnish.cache("/tag/edge-ferries/?never-fetched")[1] == 503
    finally:
        varnish.stop()
        if origin.poll() is None:
            origin.terminate()
            origin.wait(timeout=20)


# --- EDGE_ESI: Varnish fills story pages' Latest block from its own fragment --------

# The newest live stories, so the Latest blocks show them whatever the demo holds.
ESI_SETUP = SETUP.replace("timedelta(hours=1)", "timedelta(seconds=30)").replace(
    '"d": d.pk}', '"b_id": b.pk, "d": d.pk}'
)
assert ESI_SETUP.count("timedelta(seconds=30)") == 1 and '"b_id"' in ESI_SETUP


@pytest.fixture(scope="module")
def esi_edge(tmp_path_factory):
    with edge_site(tmp_path_factory.mktemp("esi"), ESI_SETUP, EDGE_ESI="1") as found:
        yield found


def test_with_esi_a_publication_reaches_other_story_pages_kept_at_the_edge(esi_edge):
    from django.urls import reverse

    varnish, page = esi_edge["varnish"], esi_edge["b"]
    fragment = reverse("latest-fragment", kwargs={"exclude_id": esi_edge["b_id"]})
    warm(varnish, [page])
    assert varnish.cache(fragment) == ("HIT", 200)  # fetched for the page's include
    status, headers, body = varnish.get(page)
    assert b"Ferry timetable changes" in body and b"esi:include" not in body
    assert b"Night ferry returns" not in body
    run(
        esi_edge["site"],
        "from articles.models import Article; from articles.editorial.workflow import transition;"
        "from django.contrib.auth import get_user_model;"
        f"transition(Article.objects.get(pk={esi_edge['d']}), 'published',"
        " get_user_model().objects.get(username='desk'))",
    )
    # The fragment was purged; the page was not, and its copy shows the new story.
    assert varnish.cache(fragment) == ("MISS", 200)
    status, headers, body = varnish.get(page)
    assert (status, headers["X-Cache"]) == (200, "HIT")
    latest = body[body.index(b'class="latest"') :]
    assert b"Night ferry returns" in latest
    # No validator of the outer page alone: a browser's copy is never confirmed as
    # current after its Latest block changed.
    assert "ETag" not in headers and "Last-Modified" not in headers
    status, headers, _ = varnish.get(page, **{"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert status == 200


def test_with_esi_a_withdrawn_story_leaves_other_pages_latest_blocks_at_once(esi_edge):
    varnish, page = esi_edge["varnish"], esi_edge["b"]
    warm(varnish, [page])
    assert b"Ferry timetable changes" in varnish.get(page)[2]
    run(
        esi_edge["site"],
        "from articles.models import Article; from articles.editorial.workflow import transition;"
        "from django.contrib.auth import get_user_model;"
        f"transition(Article.objects.get(path={esi_edge['a']!r}), 'withdrawn',"
        " get_user_model().objects.get(username='desk'))",
    )
    status, headers, body = varnish.get(page)
    assert (status, headers["X-Cache"]) == (200, "HIT")
    assert b"Ferry timetable changes" not in body
    assert varnish.cache(esi_edge["a"])[1] == 404


def test_with_esi_editors_get_the_whole_page_from_the_origin(esi_edge):
    varnish, page = esi_edge["varnish"], esi_edge["b"]
    status, headers, body = varnish.get(page, Cookie="sessionid=an-editors-session")
    assert (status, headers["X-Cache"]) == (200, "PASS")
    assert b'class="latest"' in body and b"esi:include" not in body


def test_with_esi_a_fragment_the_origin_cannot_give_leaves_its_place_empty(esi_edge, tmp_path):
    """Another origin on the same database and its own Varnish: the page is kept, its
    fragment is purged, then the origin stops: the page is served without its Latest
    stories, never with Varnish's error page inside it."""
    port = free_port()
    # Still EDGE_PURGE_BACKEND=varnish, so its pages carry the xkey purged below by hand
    # (it changes nothing, so it purges nothing itself).
    env = {**esi_edge["site"]["env"], "CDN_MAX_AGE": "3600"}
    origin = another_origin(env, port)
    varnish = Varnish(tmp_path / "varnish", port).start()
    page = esi_edge["b"]
    try:
        deadline = time.monotonic() + 60
        while varnish.cache(page)[1] != 200:
            assert time.monotonic() < deadline, "the origin did not come up"
            time.sleep(0.2)
        status, headers, body = varnish.get(page)
        assert headers["X-Cache"] == "HIT" and b"<li" in body[body.index(b'class="latest"') :]
        purge = urllib.request.Request(
            varnish.base + "/", method="PURGE", headers={"xkey": "latest"}
        )
        urllib.request.urlopen(purge, timeout=10).close()
        origin.terminate()
        origin.wait(timeout=20)
        status, headers, body = varnish.get(page)
        assert (status, headers["X-Cache"]) == (200, "HIT")
        latest = body[body.index(b'class="latest"') :]
        assert b"<ul></ul>" in latest
        assert b"Backend fetch failed" not in body and b"503" not in body
    finally:
        varnish.stop()
        if origin.poll() is None:
            origin.terminate()
            origin.wait(timeout=20)
