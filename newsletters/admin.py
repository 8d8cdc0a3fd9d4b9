"""
The newsletters' screens in the admin.

* **Briefings**: writers and editors prepare a day's briefing (it starts from the
  day's top stories; reorder, add, drop) and preview it as the email will look, text
  and HTML. Only editors send it.
* **Sends**: every mailing with who sent it, its progress and outcome. Editors send a
  breaking-news alert from a live story's page (or pick the story here), after a
  confirmation page that shows the email and says how many readers it will reach,
  one alert per story; and the day's topic digests.
* **Subscribers**: editors only (addresses are personal data).

Who may do what is asked of ``newsletters.access``; what a send does, of
``newsletters.sending`` and ``tasks``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from articles.access import may_view_story
from articles.models import Article

from . import access, alerts, content, mail, sending, tasks
from .models import Briefing, BriefingItem, Delivery, Send, Subscriber


class RuleAdmin(admin.ModelAdmin):
    """An admin whose permissions come from a rule in ``newsletters.access``."""

    view_rule = change_rule = staticmethod(access.may_send)

    def has_module_permission(self, request):
        return access.may_prepare_briefing(request.user)

    def has_view_permission(self, request, obj=None):
        return self.view_rule(request.user)

    def has_change_permission(self, request, obj=None):
        return self.change_rule(request.user)

    def has_add_permission(self, request):
        return self.change_rule(request.user)

    def has_delete_permission(self, request, obj=None):
        return self.change_rule(request.user)


# --- Briefings --------------------------------------------------------------------


class BriefingItemForm(forms.ModelForm):
    class Meta:
        model = BriefingItem
        fields = ["article", "position"]

    def clean_article(self):
        story = self.cleaned_data["article"]
        if not Article.objects.live().filter(pk=story.pk).exists():
            raise ValidationError(
                "Only published stories can go in a briefing: this one is a draft, in "
                "review or scheduled for later."
            )
        return story


class BriefingItemInline(admin.TabularInline):
    model = BriefingItem
    form = BriefingItemForm
    autocomplete_fields = ["article"]
    extra = 1

    def has_view_permission(self, request, obj=None):
        return access.may_prepare_briefing(request.user)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


@admin.register(Briefing)
class BriefingAdmin(RuleAdmin):
    view_rule = change_rule = staticmethod(access.may_prepare_briefing)
    list_display = ["date", "subject", "stories", "prepared_by", "sent"]
    fields = ["date", "subject", "intro", "send_at"]
    inlines = [BriefingItemInline]
    change_form_template = "admin/newsletters/briefing/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("prepared_by")

    @admin.display(description="stories")
    def stories(self, briefing):
        return briefing.items.count()

    @admin.display(description="sent")
    def sent(self, briefing):
        return briefing.sends.exists()

    def get_changeform_initial_data(self, request):
        return {"date": timezone.localdate()}

    def save_model(self, request, obj, form, change):
        obj.prepared_by = obj.prepared_by or request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        briefing = form.instance
        if not change and not briefing.items.exists():
            # A new briefing starts from the day's top stories, in the front's order.
            for position, story_id in enumerate(content.suggested_story_ids(timezone.now())):
                BriefingItem.objects.create(
                    briefing=briefing, article_id=story_id, position=position * 10
                )

    def get_urls(self):
        own = [
            path(
                "<int:pk>/preview/<str:part>/",
                self.admin_site.admin_view(self.preview),
                name="newsletters_briefing_preview",
            ),
            path(
                "<int:pk>/send/",
                self.admin_site.admin_view(self.send_view),
                name="newsletters_briefing_send",
            ),
        ]
        return own + super().get_urls()

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["may_send"] = access.may_send(request.user)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def letter(self, briefing):
        stories = content.briefing_items(briefing, timezone.now())
        return mail.Letter(
            subject_of(briefing, stories),
            "briefing",
            {
                "stories": stories,
                "intro": briefing.intro,
                "date": mail.date_label(),
                "subject": subject_of(briefing, stories),
            },
        ), stories

    def preview(self, request, pk, part):
        """The email as subscribers will get it (their own links left as placeholders)."""
        if not access.may_prepare_briefing(request.user):
            raise PermissionDenied
        briefing = get_object_or_404(Briefing, pk=pk)
        letter, _ = self.letter(briefing)
        if part == "text":
            return HttpResponse(letter.text, content_type="text/plain; charset=utf-8")
        if part == "html":
            response = HttpResponse(letter.html)
            # The email's own inlined styles; nothing else may run or load.
            response["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
            )
            response["X-Frame-Options"] = "SAMEORIGIN"
            return response
        raise PermissionDenied

    def send_view(self, request, pk):
        """The confirmation step: how many readers, the subject, then the button."""
        if not access.may_send(request.user):
            raise PermissionDenied
        briefing = get_object_or_404(Briefing, pk=pk)
        letter, stories = self.letter(briefing)
        recipients = Subscriber.objects.receiving().filter(daily_briefing=True).count()
        if request.method == "POST" and stories:
            send = start_send(
                request,
                self,
                Send(
                    kind=Send.Kind.BRIEFING,
                    briefing=briefing,
                    subject=letter.subject,
                    send_at=max(briefing.send_at or timezone.now(), timezone.now()),
                ),
            )
            return redirect(reverse("admin:newsletters_send_change", args=[send.pk]))
        return TemplateResponse(
            request,
            "admin/newsletters/confirm_send.html",
            {
                **self.admin_site.each_context(request),
                "title": "Send the daily briefing?",
                "subject": letter.subject,
                "stories": stories,
                "recipients": recipients,
                "when": briefing.send_at,
                "opts": self.opts,
                "original": briefing,
            },
        )


def subject_of(briefing, stories):
    if briefing.subject:
        return briefing.subject
    first = f": {stories[0]['headline']}" if stories else ""
    return f"{mail.date_label()}{first}"[:200]


def start_send(request, model_admin, send):
    """Record who sent it, log it, queue it."""
    send.sent_by = request.user
    with transaction.atomic():
        send.save()
        model_admin.log_addition(request, send, [{"added": {}}])
        transaction.on_commit(lambda: tasks.start(send))
    messages.success(request, f"{send.get_kind_display()} queued: “{send.subject}”.")
    return send


# --- Sends ------------------------------------------------------------------------


class AlertForm(forms.Form):
    """The alert page reached from the sends' list: pick the story; the next page is
    the story's own confirmation page (the same one its change form leads to)."""

    story = forms.ModelChoiceField(
        Article.objects.none(),
        help_text="A published story. The next page shows the email and how many readers "
        "it reaches before anything is sent.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any live story is accepted; the list offers the newest fifty.
        self.fields["story"].queryset = Article.objects.live()
        newest = Article.objects.live().order_by("-published_at").values_list("pk", "headline")
        self.fields["story"].widget.choices = [("", "---------"), *newest[:50]]


class ConfirmAlertForm(forms.Form):
    subject = forms.CharField(
        max_length=200,
        help_text="The email's subject line: the story's headline unless you write another.",
    )


@admin.register(Send)
class SendAdmin(RuleAdmin):
    view_rule = staticmethod(access.may_prepare_briefing)
    list_display = ["subject", "kind", "sent_by", "created_at", "state", "progress"]
    list_filter = ["kind", "state"]
    readonly_fields = [
        "kind",
        "subject",
        "briefing",
        "story",
        "since",
        "sent_by",
        "created_at",
        "send_at",
        "state",
        "recipients",
        "finished_at",
        "progress",
        "failures",
    ]
    fields = readonly_fields
    change_list_template = "admin/newsletters/send/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sent_by")

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        self._progress = sending.progress(list(changelist.result_list))
        return changelist

    def has_add_permission(self, request):
        return False  # sends start from a briefing, a story alert or the digest button

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="progress")
    def progress(self, send):
        counts = getattr(self, "_progress", None)
        counts = (counts or {}).get(send.pk) if counts is not None else None
        if counts is None:
            counts = sending.progress([send]).get(send.pk, {})
        parts = [
            f"{counts.get(state, 0)} {label.lower()}"
            for state, label in Delivery.State.choices
            if counts.get(state)
        ]
        return f"{send.recipients} recipients: " + (", ".join(parts) or "none yet")

    @admin.display(description="failed copies")
    def failures(self, send):
        rows = (
            send.deliveries.filter(state__in=[Delivery.State.FAILED, Delivery.State.BOUNCED])
            .values_list("subscriber_id", "state", "reason")
            .order_by("id")[:20]
        )
        if not rows:
            return "none"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>Subscriber #{} ({}): {}</li>", rows)
        )

    def get_urls(self):
        own = [
            path(
                "alert/",
                self.admin_site.admin_view(self.alert_view),
                name="newsletters_send_alert",
            ),
            path(
                "alert/story/<int:story_id>/",
                self.admin_site.admin_view(self.story_alert_view),
                name="newsletters_send_story_alert",
            ),
            path(
                "digest/",
                self.admin_site.admin_view(self.digest_view),
                name="newsletters_send_digest",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_send": access.may_send(request.user)}
        return super().changelist_view(request, extra_context)

    def alert_view(self, request):
        """A breaking-news alert chosen from the sends' list: pick the story, then its
        confirmation page."""
        if not access.may_send(request.user):
            raise PermissionDenied
        form = AlertForm(request.POST or None, initial={"story": request.GET.get("story")})
        if request.method == "POST" and form.is_valid():
            story = form.cleaned_data["story"]
            return redirect(reverse("admin:newsletters_send_story_alert", args=[story.pk]))
        return TemplateResponse(
            request,
            "admin/newsletters/alert.html",
            {
                **self.admin_site.each_context(request),
                "title": "Send a breaking-news alert",
                "form": form,
                "opts": self.opts,
            },
        )

    def story_alert_view(self, request, story_id):
        """The confirmation page of a story's breaking-news alert (the story's change
        form links here): the headline, how many readers it reaches, the email as text
        and HTML; sent by a POST. A story gets one alert (``newsletters.alerts``)."""
        if not access.may_send(request.user):
            raise PermissionDenied
        story = get_object_or_404(Article, pk=story_id)
        if not may_view_story(request.user, story):
            raise Http404("No such story.")
        earlier = alerts.previous(story.pk)
        refusal = alerts.refusal(story)
        form = ConfirmAlertForm(request.POST or None, initial={"subject": story.headline})
        status = 200
        if request.method == "POST":
            if earlier is None and refusal is None and form.is_valid():
                with transaction.atomic():
                    send, created = alerts.send_alert(
                        story, request.user, form.cleaned_data["subject"]
                    )
                    if created:
                        self.log_addition(request, send, [{"added": {}}])
                if created:
                    messages.success(request, f"Breaking-news alert queued: “{send.subject}”.")
                    return redirect(reverse("admin:newsletters_send_change", args=[send.pk]))
                earlier = send
            if earlier is not None or refusal:
                status = 409  # nothing was sent; the page says why
        context = {
            **self.admin_site.each_context(request),
            "title": "Send a breaking-news alert?",
            "story": story,
            "story_url": reverse("admin:articles_article_change", args=[story.pk]),
            "earlier": earlier,
            "refusal": refusal,
            "form": form,
            "opts": self.opts,
        }
        if earlier is None and refusal is None:
            text, html, recipients = alerts.preview(
                alerts.draft_send(story, form.data.get("subject", ""))
            )
            context.update(text=text, html=html, recipients=recipients)
        return TemplateResponse(
            request, "admin/newsletters/confirm_alert.html", context, status=status
        )

    def digest_view(self, request):
        """Today's topic digests: each follower of a section, tag or author with new
        stories since the last digest gets one email listing them."""
        if not access.may_send(request.user) or request.method != "POST":
            raise PermissionDenied
        send = start_send(request, self, sending.next_digest(timezone.now()))
        return redirect(reverse("admin:newsletters_send_change", args=[send.pk]))


# --- Subscribers ------------------------------------------------------------------


@admin.register(Subscriber)
class SubscriberAdmin(RuleAdmin):
    view_rule = change_rule = staticmethod(access.may_see_subscribers)
    list_display = ["email", "confirmed_at", "daily_briefing", "breaking_alerts", "paused"]
    list_filter = ["paused", "daily_briefing", "breaking_alerts"]
    search_fields = ["=email"]
    fields = [
        "email",
        "confirmed_at",
        "daily_briefing",
        "breaking_alerts",
        "paused",
        "paused_reason",
        "sections",
        "tags",
        "authors",
    ]
    # Editors may pause an address; what a reader follows is theirs to change.
    readonly_fields = ["email", "confirmed_at", "sections", "tags", "authors"]

    def has_add_permission(self, request):
        return False  # only their owner's click makes a subscriber
