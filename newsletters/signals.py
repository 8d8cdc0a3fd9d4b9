"""
Bounces and complaints reported by the mail provider (django-anymail's tracking
webhooks, for the providers that have them): the copy is marked bounced and the
address paused, so it is not mailed again until its owner turns it back on.
"""

from django.db import transaction

from .models import Delivery, Subscriber

PAUSING_EVENTS = {"bounced", "rejected", "complained"}


def pause_on_bounce(sender, event, esp_name, **kwargs):
    if event.event_type not in PAUSING_EVENTS:
        return
    reason = f"{esp_name} reported the address {event.event_type}"
    if event.event_type == "complained":
        reason = f"{esp_name}: the reader marked an email as spam"
    with transaction.atomic():
        copies = Delivery.objects.filter(message_id=event.message_id) if event.message_id else None
        if copies is not None and event.event_type != "complained":
            copies.update(state=Delivery.State.BOUNCED, reason=reason)
        email = (event.recipient or "").strip().lower()
        subscribers = Subscriber.objects.filter(email=email) if email else Subscriber.objects.none()
        if copies is not None:
            subscribers |= Subscriber.objects.filter(
                pk__in=copies.values_list("subscriber_id", flat=True)
            )
        Subscriber.objects.filter(pk__in=subscribers.values("pk")).update(
            paused=True, paused_reason=reason[:200]
        )


try:
    from anymail.signals import tracking
except ImportError:  # anymail is optional: without it, SMTP refusals still pause
    tracking = None
else:
    tracking.connect(pause_on_bounce, dispatch_uid="newsletters.pause_on_bounce")
