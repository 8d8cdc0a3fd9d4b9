from django.core.management.base import BaseCommand
from django.db import transaction

from articles.reader import search


class Command(BaseCommand):
    help = "Index every story for search again (after a bulk load that bypassed the models)."

    @transaction.atomic
    def handle(self, *args, **options):
        count = search.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} stories."))
