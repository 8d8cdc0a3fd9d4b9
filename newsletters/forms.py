"""The reader's forms: signing up (no account, no CSRF token: see subscribing.py) and
their preferences (reached by a signed link, CSRF-protected as usual)."""

from django import forms
from taggit.models import Tag

from articles.models import Author, Section

from .models import Subscriber
from .subscribing import normalise_email


class SignupForm(forms.Form):
    email = forms.CharField(max_length=254)
    topic = forms.MultipleChoiceField(required=False)  # checked against the site below
    # The honeypot: hidden from people, filled in by form-filling bots.
    website = forms.CharField(required=False, max_length=200)

    def __init__(self, data=None):
        super().__init__(data)
        # Any value: parse_topics keeps only real, public topics.
        self.fields["topic"].valid_value = lambda value: len(value) <= 120

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class PreferencesForm(forms.ModelForm):
    sections = forms.ModelMultipleChoiceField(
        Section.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.ModelMultipleChoiceField(
        Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    authors = forms.ModelMultipleChoiceField(
        Author.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Subscriber
        fields = ["daily_briefing", "breaking_alerts", "paused", "sections", "tags", "authors"]
        labels = {
            "daily_briefing": "The daily briefing",
            "breaking_alerts": "Breaking-news alerts",
            "paused": "Pause all emails for now",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A reader can keep or drop what they follow; following more is done from the
        # section's, tag's or author's page (which confirms by email again).
        subscriber = self.instance
        self.fields["sections"].queryset = subscriber.sections.all()
        self.fields["tags"].queryset = subscriber.tags.all()
        self.fields["authors"].queryset = subscriber.authors.all()
        self.fields["paused"].help_text = ""

    def save(self, commit=True):
        subscriber = super().save(commit)
        if not subscriber.paused:
            subscriber.paused_reason = ""
            subscriber.save(update_fields=["paused_reason"])
        return subscriber
