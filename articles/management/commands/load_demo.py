from django.conf import settings
from django.core.management.base import BaseCommand

from articles.demo.loader import EDITOR_USERNAME, create_editor, load_demo_content


class Command(BaseCommand):
    help = (
        "On an empty database, create demo stories, sections, tags and authors, and an "
        "editor account with a random password (printed once). Existing data is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-photos", action="store_true", help="Skip drawing the demo photos (faster)."
        )

    def handle(self, *args, **options):
        created = load_demo_content(photos=not options["no_photos"])
        if created:
            self.stdout.write(f"Created {created} demo stories.")
        else:
            self.stdout.write("Stories already present: demo content left as it is.")
        password = create_editor()
        admin_url = f"{settings.SITE_URL}/admin/"
        if password:
            self.stdout.write(
                self.style.SUCCESS(
                    f"\n  Admin: {admin_url}\n  Username: {EDITOR_USERNAME}\n"
                    f"  Password: {password}\n"
                    "  (shown this once; change it with "
                    f"`.venv/bin/python manage.py changepassword {EDITOR_USERNAME}`)\n"
                )
            )
        else:
            self.stdout.write(
                f"\n  Admin: {admin_url} (user '{EDITOR_USERNAME}'; its password was shown when it "
                f"was created. Forgot it? `.venv/bin/python manage.py changepassword "
                f"{EDITOR_USERNAME}`)\n"
            )
