from django.core.management.base import BaseCommand

from articles.models import Image


class Command(BaseCommand):
    help = (
        "Make the 16:9, 4:3 and 1:1 sharing crops (Open Graph, structured data) for photos "
        "uploaded before they existed. Photos that have them are left alone."
    )

    def handle(self, *args, **options):
        made = 0
        for photo in Image.objects.exclude(renditions__has_key="cards").iterator(chunk_size=100):
            made += photo.add_sharing_crops()
        self.stdout.write(self.style.SUCCESS(f"Made sharing crops for {made} photos."))
