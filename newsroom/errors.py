"""Server errors: the readers' page for readers, a plain admin page for the admin.

Editors who hit an error in the admin (a database error while saving, say) should
see it in the admin's own look, with a way back to the admin, not the readers'
"we will be back" page. Neither page does database work: the error may be the
database.
"""

from functools import cache

from django.contrib import admin
from django.http import HttpResponse
from django.template import loader
from django.urls import reverse

from articles.reader import views as reader


@cache
def admin_prefix():
    return reverse("admin:index")


def server_error(request):
    if not request.path.startswith(admin_prefix()):
        return reader.server_error(request)
    unreachable = reader.database_unreachable()
    status = 503 if unreachable else 500
    # No RequestContext: its context processors would read the session and the user.
    html = loader.get_template("admin/newsroom_error.html", using="django").render(
        {
            "site_header": admin.site.site_header,
            "site_title": admin.site.site_title,
            "title": "The database cannot be reached" if unreachable else "Something went wrong",
            "unreachable": unreachable,
        }
    )
    response = HttpResponse(html, status=status)
    if unreachable:
        response["Retry-After"] = "10"
    response["Cache-Control"] = "no-store"
    return response
