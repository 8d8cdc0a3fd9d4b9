"""Signing a browser page in to the admin, as every Chromium test starts."""


def log_in(page, site, account=None):
    """Sign ``page`` in as ``account`` ((username, password); the demo editor if None)
    and wait until the admin answers as that user."""
    username, password = account or site["editor"]
    page.goto(site["base"] + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
