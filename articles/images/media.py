"""Uploaded photos, served by the application when they are kept on local disk.

Every stored photo file is named by its content, so it never changes and can be
cached for a year. With photos in a bucket (S3_BUCKET), the bucket serves them.
"""

from django.conf import settings
from django.http import Http404
from django.views.static import serve


def media(request, path):
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError:  # a name no file system takes (too long, say): there is no such photo
        raise Http404("No such photo.") from None
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
