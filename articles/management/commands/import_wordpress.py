import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.ingest.wordpress import (
    WordPressImport,
    WordPressOptions,
    WXRError,
    parse_status_map,
)


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export → All content; WXR 1.0–1.2): posts become "
        "stories, attachments library photos, old permalinks and /?p= links redirect. Run it "
        "again to bring in what changed: nothing is imported twice, and stories edited since "
        "are kept unless --overwrite."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", metavar="EXPORT.xml", help="The WordPress export file.")
        parser.add_argument(
            "--media-dir",
            metavar="DIR",
            type=Path,
            help="A copy of the site's wp-content/uploads folder. Photos are only ever taken "
            "from here: nothing is downloaded.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything; save nothing."
        )
        parser.add_argument(
            "--section-from",
            choices=["categories", "none"],
            default="categories",
            help="File each story in its first (or primary) category's section (default), "
            "or in none (all categories become tags).",
        )
        parser.add_argument(
            "--default-section",
            metavar="NAME",
            default="",
            help="The section for posts without a category (created if missing).",
        )
        parser.add_argument(
            "--status-map",
            metavar="MAP",
            default="",
            help="Change what WordPress statuses become, e.g. 'publish=review,pending=draft'. "
            "Nothing can be made more public than it was.",
        )
        parser.add_argument(
            "--limit", type=int, metavar="N", help="Import at most N posts (to try it out)."
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace stories the desk has edited since they were imported.",
        )
        parser.add_argument(
            "--report", metavar="FILE", type=Path, help="Also write the report to FILE as JSON."
        )

    def handle(self, *args, **options):
        export = Path(options["export"])
        if options["media_dir"] and not options["media_dir"].is_dir():
            raise CommandError(f"{options['media_dir']}: --media-dir is not a folder")
        try:
            status_map = parse_status_map(options["status_map"])
        except ValueError as error:
            raise CommandError(f"--status-map: {error}") from None
        import_options = WordPressOptions(
            media_dir=options["media_dir"],
            dry_run=options["dry_run"],
            section_from=options["section_from"],
            default_section=options["default_section"],
            status_map=status_map,
            limit=options["limit"],
            overwrite=options["overwrite"],
        )
        progress = self._bar if self.stdout.isatty() else self._lines
        try:
            report = WordPressImport(export, import_options, progress).run()
        except WXRError as error:
            raise CommandError(str(error)) from None
        if self.stdout.isatty():
            self.stdout.write("")
        for line in report.summary_lines():
            self.stdout.write(line)
        if options["report"]:
            options["report"].write_text(report.to_json(), encoding="utf-8")
            self.stdout.write(f"Report written to {options['report']}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} posts failed; the others were imported.")
        self.stdout.write(self.style.SUCCESS("Done."))

    def _bar(self, number, total):
        if number % 50 and number != total:
            return
        width = 40
        filled = width * number // max(total, 1)
        sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {number}/{total} items")
        sys.stdout.flush()

    def _lines(self, number, total):
        if number % 1000 == 0 or number == total:
            self.stdout.write(f"{number}/{total} items read")
