"""The editors' interface in the Django admin: stories, sections, authors and tags."""

from ..editorial import revisions  # noqa: F401  (register stories for revisions before the admin does)
from . import fronts, images, stories, taxonomy, wordpress  # noqa: F401  (registers the admins)
