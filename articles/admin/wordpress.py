"""
"Import from WordPress" in the admin (issue 16): an editor uploads an export (and,
optionally, a zip of its uploads folder), reads the dry run's report, then imports.

The page runs the import inside the request, so it only accepts what imports in
seconds: an export up to ``MAX_EXPORT_BYTES`` and ``MAX_POSTS`` posts, a zip up to
``MAX_ZIP_BYTES``. Anything bigger is refused with the command to use instead
(``manage.py import_wordpress``), which has no such limits. Between the dry run and
the import the files wait in a private temporary folder named in the editor's session,
never in a form field, and are deleted after the import.
"""

import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from ..access import may_import_wordpress
from ..images.processing import human_size
from ..ingest.wordpress import WordPressImport, WordPressOptions, WXRError
from ..ingest.wxr import Export
from ..models import ImportedPost

MAX_EXPORT_BYTES = 5 * 1024 * 1024
MAX_ZIP_BYTES = 100 * 1024 * 1024
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_POSTS = 100  # about 4 s of import at 38 ms a post (docs/benchmarks.md, issue 16)
PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
SESSION_KEY = "wordpress_import"
COMMAND = "manage.py import_wordpress EXPORT.xml --media-dir UPLOADS/"


class ImportForm(forms.Form):
    export = forms.FileField(
        label="WordPress export",
        help_text="The XML file from WordPress's Tools → Export → All content. Up to "
        f"{human_size(MAX_EXPORT_BYTES)} and {MAX_POSTS} posts here; larger sites are "
        "imported with the command below.",
    )
    uploads = forms.FileField(
        label="Uploads (zip)",
        required=False,
        help_text="Optional: a zip of the site's wp-content/uploads folder, for the photos. "
        "Without it, stories come across without pictures and the report lists them.",
    )
    section_from = forms.ChoiceField(
        label="Sections",
        choices=[
            ("categories", "From each post's primary or first category"),
            ("none", "None (categories become tags)"),
        ],
    )
    default_section = forms.CharField(
        required=False,
        max_length=80,
        help_text="The section for posts without a category (created if missing).",
    )

    def clean_export(self):
        export = self.cleaned_data["export"]
        if export.size > MAX_EXPORT_BYTES:
            raise forms.ValidationError(
                f"This export is {human_size(export.size)}; this page takes up to "
                f"{human_size(MAX_EXPORT_BYTES)}. Import it on the server with: {COMMAND}"
            )
        return export

    def clean_uploads(self):
        uploads = self.cleaned_data.get("uploads")
        if uploads and uploads.size > MAX_ZIP_BYTES:
            raise forms.ValidationError(
                f"This zip is {human_size(uploads.size)}; this page takes up to "
                f"{human_size(MAX_ZIP_BYTES)}. Copy the folder to the server and use: {COMMAND}"
            )
        return uploads


def unpack_uploads(upload, target):
    """Extract a zip's pictures into ``target``; a ValidationError for a zip that is
    not one, or that would unpack into more than ``MAX_UNZIPPED_BYTES`` (a zip bomb).
    Names are checked: nothing is written outside ``target``."""
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile:
        raise forms.ValidationError("The uploads file is not a zip archive.") from None
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and PurePosixPath(info.filename).suffix.lower() in PICTURE_SUFFIXES
        ]
        if sum(info.file_size for info in members) > MAX_UNZIPPED_BYTES:
            raise forms.ValidationError(
                f"The zip unpacks to more than {human_size(MAX_UNZIPPED_BYTES)}; copy the "
                f"folder to the server and use: {COMMAND}"
            )
        for info in members:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            # The zip may hold wp-content/uploads/2024/…, uploads/2024/… or 2024/…
            for marker in ("uploads",):
                if marker in parts:
                    parts = parts[parts.index(marker) + 1 :]
            if not parts or any(part in {"..", ""} or part.startswith("/") for part in parts):
                continue
            destination = target.joinpath(*parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out)


def _discard(request):
    held = request.session.pop(SESSION_KEY, None)
    if held:
        shutil.rmtree(held["folder"], ignore_errors=True)


def import_view(request, model_admin):
    if not may_import_wordpress(request.user):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": ImportedPost._meta,
        "title": "Import from WordPress",
        "command": COMMAND,
        "max_posts": MAX_POSTS,
    }
    held = request.session.get(SESSION_KEY)
    if request.method == "POST" and request.POST.get("step") == "import" and held:
        options = WordPressOptions(
            media_dir=Path(held["folder"]) / "uploads",
            section_from=held["section_from"],
            default_section=held["default_section"],
        )
        try:
            report = WordPressImport(Path(held["folder"]) / "export.xml", options).run()
        except WXRError as error:
            report, context["error"] = None, str(error).split(": ", 1)[-1]
        _discard(request)
        context.update(report=report, done=True, name=held["name"])
        return TemplateResponse(request, "admin/articles/importedpost/import.html", context)
    if request.method == "POST" and request.POST.get("step") == "cancel":
        _discard(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("step") == "dry-run" and form.is_valid():
        _discard(request)
        folder = Path(tempfile.mkdtemp(prefix="wordpress-import-"))
        report = None
        try:
            export = folder / "export.xml"
            with export.open("wb") as out:
                for chunk in form.cleaned_data["export"].chunks():
                    out.write(chunk)
            (folder / "uploads").mkdir()
            if form.cleaned_data.get("uploads"):
                unpack_uploads(form.cleaned_data["uploads"], folder / "uploads")
            posts = Export(export).survey().counts.get("post", 0)
            if posts > MAX_POSTS:
                raise forms.ValidationError(
                    f"This export has {posts} posts; this page imports up to {MAX_POSTS}. "
                    f"Import it on the server with: {COMMAND}"
                )
            options = WordPressOptions(
                media_dir=folder / "uploads",
                dry_run=True,
                section_from=form.cleaned_data["section_from"],
                default_section=form.cleaned_data["default_section"],
            )
            report = WordPressImport(export, options).run()
        except WXRError as error:
            form.add_error("export", str(error).replace(str(folder / "export.xml"), "The file"))
        except forms.ValidationError as error:
            form.add_error(None, error)
        if report is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            request.session[SESSION_KEY] = {
                "folder": str(folder),
                "name": form.cleaned_data["export"].name,
                "section_from": form.cleaned_data["section_from"],
                "default_section": form.cleaned_data["default_section"],
            }
            context.update(report=report, name=form.cleaned_data["export"].name)
    context["form"] = form
    return TemplateResponse(request, "admin/articles/importedpost/import.html", context)


@admin.register(ImportedPost)
class ImportedPostAdmin(admin.ModelAdmin):
    """What came in from WordPress, and the page that brings it in."""

    list_display = ["post_id", "article", "site", "imported_at"]
    list_filter = ["site"]
    search_fields = ["=post_id"]
    list_select_related = ["article"]
    readonly_fields = ["site", "post_id", "article", "fingerprint", "story_version", "imported_at"]
    change_list_template = "admin/articles/importedpost/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(lambda request: import_view(request, self)),
                name="articles_importedpost_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": may_import_wordpress(request.user)}
        return super().changelist_view(request, extra_context)
