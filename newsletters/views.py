"""
The reader's side of newsletters: sign up, confirm, preferences, one-click unsubscribe.

None of these pages is cached (they are not ``reader_page`` views) and none needs an
account. The sign-up form is printed on cached pages, so its POST carries no CSRF
token: it is exempt, and protected instead by double opt-in, rate limits, a honeypot
and a same-origin check. The one-click unsubscribe POST is exempt too, as RFC 8058
requires (a mail program sends it, with no cookie). The preferences page carries a
CSRF token as usual.
"""

import json

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from articles.reader.views import render
from newsroom.logins import client_address

from . import subscribing, tasks
from .forms import PreferencesForm, SignupForm
from .links import LinkError, preferences_token, read_preferences, read_unsubscribe
from .models import Subscriber


def page(request, template, context, status=200):
    response = render(request, f"newsletters/{template}.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    # The signed link in the address never leaves for another site (and same-origin
    # forms keep their Origin header, which the CSRF check reads).
    response["Referrer-Policy"] = "same-origin"
    return response


def same_origin(request):
    """A browser says where a POST comes from: refuse one from another site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return origin.split("://", 1)[-1] == request.get_host()


def topics_label(topics):
    parts = []
    if topics["briefing"]:
        parts.append("the daily briefing")
    if topics["alerts"]:
        parts.append("breaking-news alerts")
    follows = sum(len(topics[kind]) for kind in subscribing.TOPIC_KINDS)
    if follows:
        parts.append("new stories in what you follow")
    return " and ".join(parts) or "emails"


@csrf_exempt
@never_cache
@require_POST
@sensitive_post_parameters("email")  # never in an error report
def subscribe(request):
    if not same_origin(request):
        return HttpResponse("Sign up from our own pages.", status=403, content_type="text/plain")
    form = SignupForm(request.POST)
    if not form.is_valid():
        return page(request, "signup", {"form": form, "error": True}, status=400)
    if form.cleaned_data["website"]:
        # A bot: it is told what a person is told, and nothing is sent.
        return page(request, "check_inbox", {})
    email = form.cleaned_data["email"]
    try:  # before any database work
        subscribing.check_rate(email, client_address(request))
    except subscribing.SignupRefused as refused:
        response = page(request, "refused", {"message": str(refused)}, status=429)
        response["Retry-After"] = "3600"
        return response
    topics = subscribing.parse_topics(form.cleaned_data["topic"])
    if not subscribing.asks_for_something(topics):
        return page(request, "signup", {"form": form, "error": True}, status=400)
    signup = subscribing.request_signup(email, topics)
    tasks.send_confirmation.enqueue(signup.pk, topics_label(topics))
    return page(request, "check_inbox", {})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The link in the confirmation email. A GET only shows a button: mail scanners
    open links, and only a person's click may confirm an address."""
    if request.method == "GET":
        try:
            subscribing.check_confirm(token)
        except LinkError as error:
            return page(request, "link_error", {"message": error.message}, status=400)
        return page(request, "confirm", {"token": token})
    try:
        subscriber = subscribing.confirm(token)
    except LinkError as error:
        return page(request, "link_error", {"message": error.message}, status=400)
    return redirect(preferences_address(subscriber.pk) + "?confirmed=1")


def preferences_address(subscriber_id):
    return reverse("newsletters:preferences", args=[preferences_token(subscriber_id)])


def subscriber_from(token, reader):
    subscriber_id = reader(token)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        raise LinkError("There is no subscription for this link any more.")
    return subscriber


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request, token):
    try:
        subscriber = subscriber_from(token, read_preferences)
    except LinkError as error:
        return page(request, "link_error", {"message": error.message}, status=400)
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "export":
        data = json.dumps(subscribing.export(subscriber), indent=2)
        response = HttpResponse(data, content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="my-newsletter-data.json"'
        response["Cache-Control"] = "no-store"
        return response
    if request.method == "POST" and action == "delete":
        subscriber.delete()
        return page(request, "deleted", {})
    if request.method == "POST" and action == "unsubscribe":
        subscribing.unsubscribe(subscriber.pk)
        return page(request, "unsubscribed", {"preferences": request.path})
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=subscriber)
    saved = False
    if request.method == "POST" and form.is_valid():
        form.save()
        saved = True
    status = 400 if request.method == "POST" and not saved else 200
    return page(
        request,
        "preferences",
        {
            "form": form,
            "subscriber": subscriber,
            "saved": saved,
            "confirmed": request.GET.get("confirmed") == "1",
        },
        status=status,
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """RFC 8058 one-click unsubscribe: the mail program POSTs
    ``List-Unsubscribe=One-Click`` here, without a cookie or a login. A GET (someone
    opening the link) shows a button that does the same POST: mail scanners follow
    links, and a GET must not unsubscribe anyone."""
    try:
        subscriber_id = read_unsubscribe(token)
    except LinkError as error:
        return page(request, "link_error", {"message": error.message}, status=400)
    if request.method == "GET":
        return page(request, "unsubscribe", {"token": token})
    if not subscribing.unsubscribe(subscriber_id):
        return page(request, "link_error", {"message": "There is no subscription here."}, 400)
    return page(request, "unsubscribed", {"preferences": preferences_address(subscriber_id)})
