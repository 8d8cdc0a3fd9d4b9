from django.core.management.base import BaseCommand, CommandError

from articles.ingest.importing import ImportOptions, import_files


class Command(BaseCommand):
    help = (
        "Import stories from text files in the sample format (date line, headline, optional "
        "'Date:' label, paragraphs, optional trailing 'Latest stories'). Folders are searched "
        "for *.txt files. Importing a story again creates no duplicate."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Story files or folders.")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Import as drafts instead of publishing on the story's date.",
        )
        parser.add_argument(
            "--section",
            metavar="NAME",
            help="File the stories in this section (created if missing).",
        )
        parser.add_argument(
            "--tag",
            action="append",
            default=[],
            metavar="NAME",
            dest="tags",
            help="Tag the stories (repeatable).",
        )
        parser.add_argument(
            "--author", metavar="NAME", help="Byline for the stories (created if missing)."
        )

    def handle(self, *args, **options):
        import_options = ImportOptions(
            draft=options["draft"],
            section=options["section"],
            tags=options["tags"],
            author=options["author"],
        )
        counts = dict.fromkeys(["imported", "present", "failed"], 0)
        for outcome in import_files(options["paths"], import_options):
            counts[outcome.kind] += 1
            if outcome.kind == "failed":
                self.stderr.write(f"{outcome.where}: {outcome.detail}")
            elif outcome.kind == "imported":
                self.stdout.write(f"imported {outcome.path} -> {outcome.detail}")
            else:
                self.stdout.write(f"already present {outcome.path} -> {outcome.detail}")
        imported, present, failed = counts.values()
        summary = f"Imported {imported}, already present {present}, failed {failed}."
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
