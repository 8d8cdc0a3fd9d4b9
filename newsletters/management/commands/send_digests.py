"""``manage.py send_digests``: the day's topic digests, from cron (once a day).

Each follower of a section, tag or author with stories since the last digest gets one
email listing them. Run twice the same day, it sends nothing the second time: a day
has one digest. Logged as sent by no one (the schedule), as the admin's button logs
the editor who pressed it.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from newsletters import sending, tasks
from newsletters.models import Send


class Command(BaseCommand):
    help = "Queue today's topic digests (once a day; a second run does nothing)."

    def handle(self, *args, **options):
        now = timezone.now()
        today = timezone.localdate(now)
        if Send.objects.filter(kind=Send.Kind.DIGEST, send_at__date=today).exists():
            self.stdout.write("Today's digests are already sent.")
            return
        send = sending.next_digest(now)
        send.save()
        tasks.start(send)
        self.stdout.write(f"Queued the digests of {today:%Y-%m-%d} (send #{send.pk}).")
