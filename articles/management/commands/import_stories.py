from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles.ingest.importing import (
    ImportOptions,
    StoryFormatError,
    import_story,
    read_story_file,
    story_files,
)


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
        imported = present = failed = 0
        for path in story_files(options["paths"]):
            if not path.exists():
                self.stderr.write(f"{path}: no such file or folder")
                failed += 1
                continue
            try:
                article, created = import_story(read_story_file(path), import_options)
            except StoryFormatError as error:
                where = f"{path}:{error.line}" if error.line else str(path)
                self.stderr.write(f"{where}: {error}")
                failed += 1
                continue
            except DatabaseError as error:
                self.stderr.write(f"{path}: not saved, the database refused it: {error}")
                failed += 1
                continue
            if created:
                imported += 1
                state = "draft" if import_options.draft else article.path
                self.stdout.write(f"imported {path} -> {state}")
            else:
                present += 1
                self.stdout.write(f"already present {path} -> {article.path or 'draft'}")
        summary = f"Imported {imported}, already present {present}, failed {failed}."
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
