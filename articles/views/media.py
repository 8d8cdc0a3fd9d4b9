"""Uploaded photos, served by the application when they are kept on local disk.

Every stored photo file is named by its content, so it never changes and can be
cached for a year. With photos in a bucket (S3_BUCKET), the bucket serves them.
"""

from django.conf import settings
from django.views.static import serve


def media(request, path):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
