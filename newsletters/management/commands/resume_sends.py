"""``manage.py resume_sends``: put back on the queue the sends a dead worker left.

A worker killed mid-send leaves its task marked running, so no other worker takes it
up. Run this after restarting workers (``make run`` and the deploy guide do): the
copies that were being handed to the mail server are failed, never sent twice (see
newsletters/sending.py), and everything still queued goes out.
"""

from django.core.management.base import BaseCommand

from newsletters.tasks import resume_interrupted


class Command(BaseCommand):
    help = "Queue again the newsletter sends that workers left unfinished."

    def handle(self, *args, **options):
        resumed = resume_interrupted()
        self.stdout.write(f"Resumed {len(resumed)} send(s).")
