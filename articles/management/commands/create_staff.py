import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from articles.editorial.roles import EDITOR, WRITER, sync_roles
from articles.models import Author

ROLES = {"writer": WRITER, "editor": EDITOR}


class Command(BaseCommand):
    help = (
        "Create a staff account in a role (writer or editor) with a random password, printed "
        "once, and an author profile for its byline."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--name", default="", help="Full name, also used in bylines.")
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, *args, username, role, name, email, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} exists already.")
        first, _, last = name.partition(" ")
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username,
            email=email,
            password=password,
            is_staff=True,
            first_name=first,
            last_name=last,
        )
        user.groups.add(sync_roles()[ROLES[role]])
        if name:
            slug, number = slugify(name) or username, 2
            while Author.objects.filter(slug=slug).exists():
                slug = f"{slugify(name)}-{number}"
                number += 1
            Author.objects.create(name=name, slug=slug, user=user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {role} {username!r}. Password: {password} (shown once; they can change "
                "it after logging in)."
            )
        )
