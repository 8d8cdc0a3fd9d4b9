"""A reader signs up in a real browser, confirms from the email that arrived at a real
SMTP server, and leaves again in one click (RFC 8058, as a mail program does it)."""

import re
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller

from ..servers import ROOT, free_port, served_site
from ..test_newsletters import Mailbox

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

pytestmark = pytest.mark.slow

SEND_BRIEFING = """
from django.utils import timezone
from newsletters import content, sending
from newsletters.models import Briefing, BriefingItem, Send
briefing = Briefing.objects.create(date=timezone.localdate())
for n, story_id in enumerate(content.suggested_story_ids(timezone.now())):
    BriefingItem.objects.create(briefing=briefing, article_id=story_id, position=n)
send = Send.objects.create(kind="briefing", subject="Your briefing", briefing=briefing)
sending.deliver(send.pk)
"""


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory):
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "TASKS_BACKEND": "immediate",  # the confirmation email goes out at once
            "NEWSLETTER_RATE_PER_SECOND": "0",
        }.items():
            patch.setenv(name, value)
        with served_site(tmp_path_factory.mktemp("newsletter-site"), workers=1) as site:
            yield site, box
    controller.stop()


def test_sign_up_confirm_from_the_email_and_unsubscribe_in_one_click(mail_site, page):
    site, box = mail_site
    page.goto(site["base"] + "/")
    signup = page.locator(".newsletter-signup")
    expect(signup.get_by_label("Email me the daily briefing")).to_be_checked()
    signup.get_by_label("Your email address").fill("reader@example.com")
    signup.get_by_role("button", name="Sign up").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")

    (confirmation,) = box.to("reader@example.com")
    link = re.search(r"http://\S+/newsletters/confirm/\S+/", box.text(confirmation))[0]
    assert link.startswith(site["base"])
    page.goto(link)
    page.get_by_role("button", name="Yes, send me these emails").click()
    expect(page.get_by_role("status")).to_contain_text("your address is confirmed")
    expect(page.get_by_label("The daily briefing")).to_be_checked()
    preferences = page.url

    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEND_BRIEFING],
        cwd=ROOT,
        env=site["env"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    briefing = box.to("reader@example.com")[-1]
    assert briefing["Subject"] == "Your briefing"
    assert briefing["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = briefing["List-Unsubscribe"].strip("<>")
    # What a mail program's "Unsubscribe" button does: one POST, no page, no token.
    response = page.request.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    page.goto(preferences)
    expect(page.get_by_label("The daily briefing")).not_to_be_checked()
