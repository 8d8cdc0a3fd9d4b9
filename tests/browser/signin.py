"""Signing a browser page in to the admin, as every Chromium test starts."""

# (site, username) -> the cookies of a session signed in through the login form. A sign-in
# costs a password hash on the server and three page loads (~2.5 s on a busy machine, the
# cookies ~0.8 s); no browser test signs out, so each account signs in once per site.
SESSIONS = {}


def log_in(page, site, account=None, fresh=False):
    """Sign ``page`` in as ``account`` ((username, password); the demo editor if None)
    and wait until the admin answers as that user: through the login form the first time
    for that account and site (or with ``fresh``), with that session's cookies after."""
    username, password = account or site["editor"]
    key = (site["base"], username)
    if key in SESSIONS and not fresh:
        page.context.add_cookies(SESSIONS[key])
        page.goto(site["base"] + "/admin/")
    else:
        page.goto(site["base"] + "/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    SESSIONS.setdefault(key, page.context.cookies(site["base"]))
