"""The Jinja2 environment for reader templates (the admin keeps Django templates)."""

import functools
from contextvars import ContextVar

import jinja2
from django.conf import settings
from django.templatetags.static import static as static_address
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import Environment, pass_context
from markupsafe import Markup

from .memo import Bounded

# The language a page is being rendered in, looked up once when its render begins:
# Django's get_language() reads a context-local on each call, and a listing asks for it
# some forty times (each remembered item, each phrase).
_rendering_language = ContextVar("rendering_language", default=None)
# The settings and URL prefix ``chrome()``'s key holds, read once per render (a list,
# empty until a page's first chrome part asks): a page asks three times, and each
# read goes through LazySettings and the script prefix's context-local.
_rendering_chrome = ContextVar("rendering_chrome", default=None)


def language():
    return _rendering_language.get() or get_language()


class Template(jinja2.Template):
    """A reader template, rendered in the language active when its render begins."""

    def render(self, *args, **kwargs):
        token = _rendering_language.set(get_language())
        chrome_token = _rendering_chrome.set([])
        try:
            return super().render(*args, **kwargs)
        finally:
            _rendering_chrome.reset(chrome_token)
            _rendering_language.reset(token)

    def _get_default_module(self, ctx=None):
        """The module ``{% from ... import %}`` gives, as Jinja2 decides it, but with
        the globals compared as sets built in C: Jinja2 subtracts the template's globals
        view (a ChainMap) from the page's, testing each of some twenty names through
        ChainMap.__contains__ in Python, on every import of every render."""
        if ctx is not None and not (ctx.globals_keys - set(self.globals)):
            ctx = None  # no global the imported template lacks: its cached module
        return super()._get_default_module(ctx)


@functools.lru_cache(maxsize=256)
def _fixed_url(name, prefix, urlconf):
    return reverse(name)


def url(name, *args, **kwargs):
    """``reverse()``. The site's fixed addresses (no arguments: the archive, the feed,
    the search page) are worked out once per process, not on every page."""
    if args or kwargs:
        return reverse(name, args=args, kwargs=kwargs)
    return _fixed_url(name, get_script_prefix(), settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=256)
def _static(path, static_url, storage):
    return static_address(path)


def static(path):
    """The address of a static file (with its content hash in production), once."""
    return _static(path, settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"])


# The remembered pieces of HTML, a few hundred bytes each, 5,000 at most a process.
_remembered = Bounded(5000)

# Raw columns that presenters turn into what a page prints (``date_label`` and
# ``iso_date``, ``coverage``, ``thumb``): no remembered macro prints them (a test reads
# the templates), so they are left out of a row's key. An aware datetime's repr()
# cost more than all of a row's text.
UNPRINTED = frozenset(("published_at", "live_started_at", "live_ended_at", "image_renditions"))


def _without_unprinted(row):
    # A copy made in C less a few keys, not a comprehension over every column: the
    # same dict, in the same order, for a tenth of the Python steps.
    row = row.copy()
    for key in UNPRINTED:
        row.pop(key, None)
    return row


def _shown(args):
    return repr(tuple(_without_unprinted(arg) if type(arg) is dict else arg for arg in args))


def remember(macro, *args):
    """``macro(*args)``, rendered once per process for the same arguments.

    A listing shows stories that the front page, their section, tags and authors
    show too, and renders each one through the same macro; rendering is most of an
    uncached listing's time. The macros passed here depend on their arguments alone
    (they are imported without context), so equal arguments in the same language
    give the same HTML: nothing is remembered past a change, because a changed story
    is a different argument. The key is the macro's compiled code, so a template
    reloaded with other markup is never served the old HTML.

    Pass plain rows, as the presenters make them, never model instances: an
    instance's repr names it, not what it holds.
    """
    try:
        code = macro._func.__code__
    except AttributeError:  # not a Jinja macro
        return macro(*args)
    # repr() of plain rows (dicts, lists, strings, numbers, times) is equal exactly when
    # they are, and is built in C: a tenth of the cost of walking them in Python. An
    # object shown by its address says nothing of its values (and a new one may reuse
    # the address): such arguments are rendered every time.
    shown = _shown(args)
    if " at 0x" in shown:
        return macro(*args)
    key = (code, language(), shown)
    try:
        return _remembered[key]
    except KeyError:
        pass
    return _remembered.keep(key, macro(*args))


# The page chrome (templates/reader/includes/chrome.html), per macro, language and the
# settings its addresses come from; a handful of entries, a few hundred bytes each.
_chrome = Bounded(64)


def chrome(macro):
    """A part of every page that depends only on the settings and the language (the
    head's links, the masthead, the footer's links), rendered once per process.

    The key holds everything such a part may print besides the interface text: the
    URL prefix and URLconf its fixed addresses come from, the static files' address
    and storage (their hashed names), the site's name; and, as ``remember``, the
    macro's compiled code and the language. Nothing from the database or the request
    is printed by these macros, so nothing can go stale with the content or leak
    from one reader to another (a test reads the template)."""
    read = _rendering_chrome.get()
    if read:
        where = read[0]
    else:
        where = (
            language(),
            get_script_prefix(),
            settings.ROOT_URLCONF,
            settings.STATIC_URL,
            settings.STORAGES["staticfiles"]["BACKEND"],
            settings.SITE_NAME,
        )
        if read is not None:
            read.append(where)  # the rest of this render's parts
    key = (macro._func.__code__, where)
    try:
        return _chrome[key]
    except KeyError:
        pass
    return _chrome.keep(key, macro())


@functools.lru_cache(maxsize=2048)
def _translated(language, message):
    return gettext(message)


def translate(message):
    """``gettext``, looked up once per process and language: a page asks for the
    same few phrases ("By", "and", "Updated") on every listed story."""
    return _translated(language(), message)


@functools.lru_cache(maxsize=2048)
def _translated_markup(language, message):
    return Markup(gettext(message)) % {}  # noqa: S704  (catalogue text, as Jinja2 treats it)


@pass_context
def translate_phrase(context, message, **variables):
    """``_()`` in a template, as Jinja2's i18n extension gives it (newstyle: the
    translation, made Markup when autoescaping, always ``%``-formatted with the
    variables), but one call instead of three, and a phrase without variables
    (most of them: "By", "Search", "Related stories") translated, escaped and
    formatted once per process and language. A page asks for fifteen of them, and
    Jinja2's alias resolved ``gettext`` and went through ``Context.call`` twice for
    each, about 6% of a page."""
    if not context.eval_ctx.autoescape:
        return translate(message) % variables
    if variables:
        return Markup(translate(message)) % variables  # noqa: S704  (variables are escaped)
    return _translated_markup(language(), message)


# What a plain dict has as attributes (``items``, ``get``, ``keys``...): ``row.items``
# in a template means the method, as Jinja2 decides it, even where the row has such a key.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class ReaderEnvironment(Environment):
    """Jinja2's environment, with ``row.name`` on a plain dict read as the key at once.

    Jinja2 tries the attribute first and, on a dict, raises and catches an
    AttributeError before it reads the key: some thirty times on a story page
    (``story.headline``, ``story.image.caption``...), each exception dearer than the
    lookup. The answer is the same: a dict's own attributes still go to Jinja2."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def environment(**options):
    # ``undefined`` is Django's choice, made before this runs: Jinja2's ``Undefined``
    # (``DebugUndefined`` with DEBUG). Templates test optional keys (``story.section_url``)
    # by their absence, so StrictUndefined would turn them into errors.
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # Django's backend passes autoescape=True in ``options``.
    env = ReaderEnvironment(**options)  # autoescape: from Django's options (above)
    env.template_class = Template
    # Interface text is marked with _() and translated by Django's catalogues.
    env.install_gettext_callables(translate, ngettext, newstyle=True)
    env.globals["_"] = translate_phrase
    env.globals.update(
        remember=remember,
        chrome=chrome,
        static=static,
        url=url,
        site_name=settings.SITE_NAME,
        site_url=settings.SITE_URL,
        site_language=settings.SITE_LANGUAGE,
    )
    return env
