"""The newsroom's content: stories, their sections, bylines and tags, and the desk's records."""

from .article import Article, ArticleQuerySet, Byline, TaggedArticle
from .autosave import Autosave
from .desk import EditorialNote, InboxItem
from .editorial import Correction, EditingPresence, PreviewLink
from .fronts import Front, Pin
from .image import Image
from .imports import ImportedPhoto, ImportedPost
from .live import LiveUpdate
from .placement import PhotoPlacement
from .redirects import ArchiveRedirect, StoryRedirect, TagRedirect
from .taxonomy import Author, Section
from .version import ContentVersion, PageStamp

__all__ = [
    "ArchiveRedirect",
    "Article",
    "ArticleQuerySet",
    "Author",
    "Autosave",
    "Byline",
    "ContentVersion",
    "Correction",
    "EditingPresence",
    "EditorialNote",
    "Front",
    "Image",
    "ImportedPhoto",
    "ImportedPost",
    "InboxItem",
    "LiveUpdate",
    "PageStamp",
    "PhotoPlacement",
    "Pin",
    "PreviewLink",
    "Section",
    "StoryRedirect",
    "TagRedirect",
    "TaggedArticle",
]
