"""
Settings for every environment, read from environment variables.

One module, no per-environment copies: what differs between a laptop and
production is the environment, not the code. Two modes follow from
``DATABASE_URL``:

* **Embedded** (unset, or ``sqlite://``): a SQLite database under ``var/``; a
  secret key is generated into ``var/secret_key`` on first run. This is what
  ``make run`` uses.
* **Served** (any other database, e.g. ``postgres://``): ``SECRET_KEY`` must be
  set or the process refuses to start. Nothing falls back to a known key.
"""

import ipaddress
import os
import secrets
import zoneinfo
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django_prose_editor.config import html_tags
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEWSROOM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}.")


def env_list(name, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_size(name, default):
    """A picture's size in pixels, "WIDTHxHEIGHT"."""
    raw = os.environ.get(name, "").strip().lower() or default
    width, _, height = raw.partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) and int(height)):
        raise ImproperlyConfigured(f"{name} must be a size such as 1200x630, not {raw!r}.")
    return f"{int(width)}x{int(height)}"


def env_int(name, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


DEBUG = env_bool("DEBUG", False)

# --- Database --------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}"
EMBEDDED = DATABASE_URL.startswith("sqlite:")

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Opening a connection costs more than a cached page's whole query work: keep them.
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements are prepared only when asked (the content stamp read on every cached
    # hit, articles.reader.queries._one_row); never automatically (Django's default
    # turns preparing off altogether). docs/deploy.md: connection poolers.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000_000
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web server has several workers writing to one file. WAL lets readers
    # carry on during a write; IMMEDIATE transactions take the write lock at
    # BEGIN, so a second writer waits (up to ``timeout`` seconds) instead of
    # failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# A PostgreSQL read replica (a streaming standby of DATABASE_URL): readers' pages read
# from it, everything else from the primary (newsroom/routers.py, docs/deploy.md "Read
# replica"). Readers fall back to the primary when it is down or more than
# REPLICA_MAX_LAG seconds behind (checked at most every REPLICA_CHECK_SECONDS per
# process); a client that wrote (any POST) reads the primary for REPLICA_STICKY_SECONDS.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
REPLICA_MAX_LAG = env_int("REPLICA_MAX_LAG", 5)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 1)
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 10)
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL.")
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("CONN_MAX_AGE", 600), conn_health_checks=True
    )
    # A replica that cannot be reached must not hold a reader for long: the primary answers.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    DATABASES["replica"]["OPTIONS"]["prepare_threshold"] = 1_000_000_000  # as the primary
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Secrets and hosts -----------------------------------------------------


def _embedded_secret_key(path):
    """Read the embedded mode's key, creating it (owner-only) on first run."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. A served deployment must set SECRET_KEY in the environment; "
            "only the embedded SQLite mode generates one by itself."
        )
    SECRET_KEY = _embedded_secret_key(VAR_DIR / "secret_key")
elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    # What `check --deploy` calls weak: anything shorter or plainer can be guessed, and
    # it signs sessions, share links and photo names.
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak: use at least 50 characters with at least 5 different ones, "
        "e.g. the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- The publication -------------------------------------------------------

SITE_NAME = os.environ.get("SITE_NAME", "Newsroom").strip() or "Newsroom"
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
SITE_LANGUAGE = os.environ.get("SITE_LANGUAGE", "en").strip() or "en"

# How the publication shows itself to search engines and social networks
# (articles/reader/metadata.py). Each picture is a static file's path or an absolute
# https address, with its size in pixels as "WIDTHxHEIGHT".
# The card shared for pages without a photo of their own (front, listings, stories
# without a photo): 1200x630 is what Facebook, LinkedIn and X show uncropped.
SITE_CARD_IMAGE = os.environ.get("SITE_CARD_IMAGE", "").strip() or "newsroom-card.png"
SITE_CARD_IMAGE_SIZE = env_size("SITE_CARD_IMAGE_SIZE", "1200x630")
SITE_CARD_IMAGE_ALT = os.environ.get("SITE_CARD_IMAGE_ALT", "").strip() or f"The {SITE_NAME} logo"
# The publisher's logo in structured data (Google asks for at least 112x112).
SITE_LOGO = os.environ.get("SITE_LOGO", "").strip() or "newsroom-logo.png"
SITE_LOGO_SIZE = env_size("SITE_LOGO_SIZE", "192x192")
# The publication's own pages elsewhere (social accounts, Wikipedia), comma-separated:
# the Organization's sameAs in structured data.
SITE_SAME_AS = env_list("SITE_SAME_AS", [])

# --- Applications ----------------------------------------------------------

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "csp",
    "axes",
    "django_filters",
    "taggit",
    "reversion",
    "django_prose_editor",
    "django_tasks",
    "django_tasks_db",
    "articles",
    "newsletters",
]

MIDDLEWARE = [
    # First: every answer and log line carries a request id, and every request is
    # counted and timed, cached pages included (newsroom/logs.py, newsroom/metrics.py).
    "newsroom.logs.RequestIdMiddleware",
    "newsroom.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An imported site's old addresses (/?p=123, permalinks, archives) → 301; before the
    # page cache, which would serve /?p=123 the front page (articles/reader/oldaddresses.py).
    "articles.reader.oldaddresses.OldAddressMiddleware",
    # A reader's page reads from the replica when there is one; before the page cache,
    # which reads the content version from the same database (newsroom/routers.py).
    "newsroom.routers.ReplicaMiddleware",
    # Whole reader pages for anonymous readers, before the rest of the stack runs;
    # a stored page keeps the headers the middleware below gave it (CSP included).
    "articles.reader.pagecache.PageCacheMiddleware",
    # django-csp's, with the settings' policy built once per process (newsroom/contentpolicy.py).
    "newsroom.contentpolicy.ContentPolicyMiddleware",
    # A reader's GET of a reader page with no cookie at all skips the session, auth,
    # messages and axes middleware below, which have nothing to do for it (newsroom/lane.py).
    "newsroom.lane.ReaderLaneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a clear answer.
    "axes.middleware.AxesMiddleware",
]

# Repeated failed logins lock that username from that address for a while, and an
# address trying many usernames, never an account for everyone (django-axes with
# newsroom.logins); the admin's login form says so instead of checking passwords.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "newsroom.logins.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "newsroom.logins.client_address"
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
# How many proxies of ours (load balancer, CDN) stand in front of the app server; the
# client's address is then read from the part of X-Forwarded-For they wrote.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

# Reader pages render with Jinja2 (about 1.5x faster than Django templates on
# the same data, see docs/architecture.md); the admin keeps Django templates.
TEMPLATES = [
    {
        "NAME": "reader",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "reader"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "newsroom.jinja2.environment"},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates" / "django"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Time and language -----------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York").strip() or "America/New_York"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone.") from None
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ----------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Photos in an S3-compatible bucket (pip install '.[s3]'); credentials come from
# the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables.
S3_BUCKET = os.environ.get("S3_BUCKET", "").strip()
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,  # photo addresses must not expire in cached pages
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
SERVE_MEDIA = not S3_BUCKET and env_bool("SERVE_MEDIA", True)

# --- Cache -----------------------------------------------------------------


# Two caches: "default" for small shared values (health checks), "pages" for
# whole reader pages (articles.reader.pagecache). With REDIS_URL both live in Redis and
# are shared by every gunicorn worker and host; without it each worker keeps its
# own, which is still exact because pages are keyed by the content version.
# Short socket timeouts: when Redis is unreachable, pages are served from the
# database instead of waiting on it (see docs/deploy.md).
def redis_caches(url):
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
    }
    return {
        "default": {**redis, "KEY_PREFIX": "newsroom"},
        "pages": {**redis, "KEY_PREFIX": "newsroom-pages"},
    }


REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # A page is kept gzipped only (articles/reader/pagecache.py: about 7 KB, a story
        # page's parts 5 KB), so PAGE_CACHE_ENTRIES pages take ~7 KB each per worker:
        # enough for every page of a busy mix (~700 addresses, bench/renders.py) and the
        # copies of the version before, in less memory than 400 uncompressed ones took.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 1500)},
        },
    }

# Anonymous readers get whole pages from the "pages" cache (PAGE_CACHE=0 turns it
# off). A page is kept at most PAGE_CACHE_SECONDS and never past the next
# scheduled publication; any change readers could see retires it at once.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
# For this many seconds after a change, while one request renders a page afresh, the
# others get the copy from before the change (never longer after it; 0: never).
PAGE_CACHE_GRACE = env_int("PAGE_CACHE_GRACE", 5)
# PostgreSQL: each worker listens for stamp changes (NOTIFY) and its hits read no stamp
# while the listener is proven alive (articles/reader/stampwatch.py). 0: read per hit
# (a pooler in transaction mode, where LISTEN does not hold).
STAMP_LISTENER = env_bool("STAMP_LISTENER", True)
# What a CDN in front may do (Cache-Control s-maxage and stale-while-revalidate).
# A CDN cannot be told of a change, so its lifetime is short; CDN_MAX_AGE=0 makes
# it revalidate every time (cheap: the origin answers 304 from its own cache).
CDN_MAX_AGE = env_int("CDN_MAX_AGE", 60)
CDN_STALE_SECONDS = env_int("CDN_STALE_SECONDS", 30)

# --- Background tasks --------------------------------------------------------

# Work that should not hold up a request (mail, edge-cache purges, re-indexing) goes
# through the django.tasks API (django-tasks, the backport of Django 6.0's), so the code
# moves to the built-in unchanged. TASKS_BACKEND chooses where the queue lives:
# - "database" (the default): a table in the site's own database, run by
#   `manage.py db_worker` (`make run` starts one); no other service needed;
# - "rq": Redis lists run by `manage.py rqworker default mail purge --job-class
#   django_tasks_rq.Job` (without the job class RQ cannot run a task), at scale (REDIS_URL);
# - "immediate": run inside the request that enqueued it (a tiny site without a worker).
# Queues: "default", "mail" (newsletters and alerts), "purge" (edge-cache purges).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip() or "database"
TASK_QUEUES = ["default", "mail", "purge"]
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND is {TASKS_BACKEND!r}; it must be one of {', '.join(_TASK_BACKENDS)}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": TASK_QUEUES}}
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (the queue lives in Redis).")
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db") + 1, "django_rq")
    RQ_QUEUES = {name: {"URL": REDIS_URL} for name in TASK_QUEUES}

# --- Edge cache --------------------------------------------------------------

# Reader pages carry surrogate keys in the header the backend's edge reads (varnish: xkey,
# fastly: Surrogate-Key, cloudflare: Cache-Tag; none without a backend); after a
# change commits, a task on the "purge" queue tells the edge to drop exactly the pages
# it retired (newsroom/purge.py). EDGE_PURGE_BACKEND: "none" (the default), "varnish"
# (PURGE with xkey to each of EDGE_PURGE_URLS, deploy/varnish/default.vcl), "fastly"
# (FASTLY_SERVICE_ID, FASTLY_API_TOKEN) or "cloudflare" (CLOUDFLARE_ZONE_ID,
# CLOUDFLARE_API_TOKEN). With purging on, the edge may keep pages for hours:
# CDN_MAX_AGE then defaults to six hours.
EDGE_PURGE_BACKEND = os.environ.get("EDGE_PURGE_BACKEND", "none").strip().lower() or "none"
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS", [])
FASTLY_SERVICE_ID = os.environ.get("FASTLY_SERVICE_ID", "")
FASTLY_API_TOKEN = os.environ.get("FASTLY_API_TOKEN", "")
FASTLY_API_URL = os.environ.get("FASTLY_API_URL", "https://api.fastly.com")
CLOUDFLARE_ZONE_ID = os.environ.get("CLOUDFLARE_ZONE_ID", "")
CLOUDFLARE_API_TOKEN = os.environ.get("CLOUDFLARE_API_TOKEN", "")
CLOUDFLARE_API_URL = os.environ.get("CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4")
EDGE_PURGE_ATTEMPTS = env_int("EDGE_PURGE_ATTEMPTS", 3)
EDGE_PURGE_RETRY_SECONDS = float(os.environ.get("EDGE_PURGE_RETRY_SECONDS", "") or 1)
# Purge again this long after the first (a render from before the commit may land after it).
EDGE_PURGE_REPEAT_SECONDS = env_int("EDGE_PURGE_REPEAT_SECONDS", 5)
_EDGE_NEEDS = {
    "none": [],
    "varnish": ["EDGE_PURGE_URLS"],
    "fastly": ["FASTLY_SERVICE_ID", "FASTLY_API_TOKEN"],
    "cloudflare": ["CLOUDFLARE_ZONE_ID", "CLOUDFLARE_API_TOKEN"],
}
if EDGE_PURGE_BACKEND not in _EDGE_NEEDS:
    raise ImproperlyConfigured(
        f"EDGE_PURGE_BACKEND is {EDGE_PURGE_BACKEND!r}; it must be one of {', '.join(_EDGE_NEEDS)}."
    )
_edge_missing = [name for name in _EDGE_NEEDS[EDGE_PURGE_BACKEND] if not globals()[name]]
if _edge_missing:
    raise ImproperlyConfigured(
        f"EDGE_PURGE_BACKEND={EDGE_PURGE_BACKEND} needs {' and '.join(_edge_missing)}."
    )
if EDGE_PURGE_BACKEND != "none" and not os.environ.get("CDN_MAX_AGE", "").strip():
    CDN_MAX_AGE = 6 * 3600
# An edge that processes ESI (Varnish with deploy/varnish/default.vcl): story pages
# leave their Latest-stories block to an <esi:include> of a small fragment that every
# publication purges, so the page itself stays cached through other stories' changes.
EDGE_ESI = env_bool("EDGE_ESI", False)

# --- Email and newsletters ----------------------------------------------------

# Mail goes out through Django's email backends: SMTP by default (EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS); EMAIL_BACKEND may name another,
# e.g. "anymail.backends.amazon_ses.EmailBackend" or "anymail.backends.postmark.EmailBackend"
# (pip install '.[anymail]'; its settings in ANYMAIL_* variables, see docs/deploy.md).
EMAIL_BACKEND = (
    os.environ.get("EMAIL_BACKEND", "").strip() or "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost").strip() or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or (
    f"{SITE_NAME} <newsletters@localhost>"
)
if EMAIL_BACKEND.startswith("anymail."):
    INSTALLED_APPS.append("anymail")
    ANYMAIL = {
        key.removeprefix("ANYMAIL_"): value
        for key, value in os.environ.items()
        if key.startswith("ANYMAIL_") and value
    }
# Sign-up links expire after this many hours; the preferences link in every email
# after this many days (the one-click unsubscribe link never does).
NEWSLETTER_CONFIRM_HOURS = env_int("NEWSLETTER_CONFIRM_HOURS", 48)
NEWSLETTER_PREFERENCES_DAYS = env_int("NEWSLETTER_PREFERENCES_DAYS", 90)
# Sign-ups allowed per address and per client address in an hour.
NEWSLETTER_SIGNUPS_PER_ADDRESS = env_int("NEWSLETTER_SIGNUPS_PER_ADDRESS", 3)
NEWSLETTER_SIGNUPS_PER_IP = env_int("NEWSLETTER_SIGNUPS_PER_IP", 20)
# At most this many emails a second from each worker (0: as fast as the server takes them).
NEWSLETTER_RATE_PER_SECOND = env_int("NEWSLETTER_RATE_PER_SECOND", 50)
# A refusing mail server is tried again after 30 s, 1, 2, 4... minutes, this many times.
NEWSLETTER_RETRY_SECONDS = env_int("NEWSLETTER_RETRY_SECONDS", 30)
NEWSLETTER_ATTEMPTS = env_int("NEWSLETTER_ATTEMPTS", 6)
# A copy a worker was handing to the mail server when it died is given up (never sent
# twice) after this long: more than the longest SMTP conversation (EMAIL_TIMEOUT).
NEWSLETTER_SENDING_LEASE_SECONDS = env_int("NEWSLETTER_SENDING_LEASE_SECONDS", 120)
# Added to every link in an email (e.g. "utm_source=newsletter"); empty: no tracking.
NEWSLETTER_LINK_TRACKING = os.environ.get("NEWSLETTER_LINK_TRACKING", "").strip()

# --- Security --------------------------------------------------------------

# Behind TLS (every served deployment), set HTTPS=1: cookies become
# Secure-only, HSTS is sent, and plain HTTP is redirected.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts only from this site, never inline
# scripts, never framed, on the reader site and the admin alike. The JSON-LD block is
# data (type="application/ld+json"), which browsers do not run and script-src does not
# govern, so reader pages need no per-response nonce and can be cached whole. The one
# inline script anywhere is the body editor's import map in the admin's story form: that
# page asks for a nonce (``request.csp_nonce``, see articles/admin/stories.py), and only
# a response that asked for one carries ``'nonce-…'`` in its header (django-csp leaves
# the NONCE placeholder out otherwise).
_MEDIA_HOSTS = (
    [f"https://{os.environ['S3_CUSTOM_DOMAIN']}"] if os.environ.get("S3_CUSTOM_DOMAIN") else []
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],  # the admin's widgets set style attributes
        "img-src": ["'self'", "data:", "blob:", *_MEDIA_HOSTS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Embedded videos, posts and maps, loaded only when a reader asks (articles.embeds).
        # The same list as articles.embeds.FRAME_ORIGINS (a test holds them equal).
        "frame-src": [
            "https://www.youtube-nocookie.com",
            "https://player.vimeo.com",
            "https://platform.twitter.com",
            "https://www.openstreetmap.org",
        ],
    },
}

# The story body editor's own additions (static/admin/newsroom/body-editor.js): the
# embeds, and fixes around django-prose-editor 0.28 (the newest), loaded with the editor.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("admin/newsroom/body-editor.js")],
        "extensions": {
            # What the body may hold is decided by articles.text, not by these allowlists.
            "NewsroomLink": html_tags(["a"]),
            "NewsroomEditing": html_tags([]),
            "Embed": html_tags(["figure"]),
        },
    }
]

# --- Photos ------------------------------------------------------------------

IMAGE_MAX_UPLOAD_BYTES = env_int("IMAGE_MAX_UPLOAD_MB", 20) * 1024 * 1024
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_MEGAPIXELS", 60) * 1_000_000
IMAGE_RENDITION_WIDTHS = [320, 640, 960, 1280, 1920]

# --- Search -------------------------------------------------------------------

# PostgreSQL's text search language for stemming and stop words ("french", "simple"...);
# search uses a copy of it that folds accents. After changing it, run
# `manage.py rebuild_search_index`.
SEARCH_CONFIG = os.environ.get("SEARCH_CONFIG", "english").strip() or "english"

# --- Editorial workflow ------------------------------------------------------

# Show "N min read" under a story's byline. The word count and reading time are
# always in the admin form and the story's JSON-LD (wordCount); on the page itself
# they are a choice of the publication, off unless asked for.
STORY_READING_TIME = env_bool("STORY_READING_TIME", False)

PREVIEW_LINK_HOURS = env_int("PREVIEW_LINK_HOURS", 48)
# What reaches someone's inbox on the desk (review, changes requested, mentions,
# assignments) is also emailed to them, through the task queue (DESK_EMAIL=0: inbox only).
DESK_EMAIL = env_bool("DESK_EMAIL", True)
# Someone who opened a story this many minutes ago is shown as editing it.
EDITING_PRESENCE_MINUTES = env_int("EDITING_PRESENCE_MINUTES", 10)

# --- Tags ------------------------------------------------------------------

TAGGIT_CASE_INSENSITIVE = True

# --- Metrics -----------------------------------------------------------------

# /metrics in Prometheus's format (newsroom/metrics.py), for these client addresses or
# networks (comma-separated), or any client sending "Authorization: Bearer METRICS_TOKEN".
# With several gunicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty directory so
# a scrape reports every worker's counts (gunicorn.conf.py empties it at start).
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
try:
    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(item, strict=False) for item in METRICS_ALLOWED_IPS
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {error}") from None
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()

# --- Logging ---------------------------------------------------------------

# LOG_FORMAT=json: one JSON object a line, for a log collector; both formats carry the
# request id (newsroom/logs.py), which also goes back in the X-Request-ID header.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower() or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "newsroom.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "newsroom.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
# Errors to Sentry too, if SENTRY_DSN is set and sentry-sdk is installed (optional).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from newsroom.logs import setup_sentry

    setup_sentry(SENTRY_DSN)
