"""The newsroom's content: stories, their sections, bylines and tags."""

from .article import Article, ArticleQuerySet, Byline, TaggedArticle
from .taxonomy import Author, Section
from .version import ContentVersion

__all__ = [
    "Article",
    "ArticleQuerySet",
    "Author",
    "Byline",
    "ContentVersion",
    "Section",
    "TaggedArticle",
]
