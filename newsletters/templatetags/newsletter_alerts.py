"""
The breaking-news alert's place on the story form: the form's template loads this
(``{% load newsletter_alerts %}``), so ``articles`` never imports ``newsletters`` and
the app stays one that reads ``articles``, never the other way.
"""

from django import template

from .. import access, alerts

register = template.Library()


@register.inclusion_tag("admin/newsletters/includes/story_alert_tool.html", takes_context=True)
def breaking_alert_tool(context, story):
    """ "Send breaking-news alert…" for an editor who may send, on a live story; "Alert
    sent …" once it has had its one. Nothing for anyone else or any other story (and
    no query)."""
    request = context.get("request")
    if story is None or request is None or not story.is_live:
        return {"story": None}
    if not access.may_send(request.user):
        return {"story": None}
    return {"story": story, "earlier": alerts.previous(story.pk)}
