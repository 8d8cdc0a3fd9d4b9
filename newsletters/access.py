"""
Who may do what with newsletters. The newsroom's roles decide (``articles.access``):

* only **editors** send: a briefing, a digest or a breaking-news alert reaches every
  subscriber at once and cannot be called back;
* **writers** (any active staff member) prepare briefings: pick, order and drop
  stories, and preview the email; they never press send;
* subscribers' addresses are seen by editors only.

Readers reach newsletters only through signed links (``newsletters.links``).
"""

from articles.access import is_editor


def is_staff(user):
    return user.is_active and user.is_staff


def may_send(user):
    return is_staff(user) and is_editor(user)


def may_prepare_briefing(user):
    return is_staff(user)


def may_see_subscribers(user):
    return is_staff(user) and is_editor(user)
