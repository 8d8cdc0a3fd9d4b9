vcl 4.1;
#
# Varnish in front of Newsroom's gunicorn hosts (docs/deploy.md, "Edge cache and purges").
#
# Reader pages are kept for their Cache-Control s-maxage (CDN_MAX_AGE: hours once the
# site purges, EDGE_PURGE_BACKEND=varnish) and dropped the moment a change retires them:
# the site sends `PURGE /` with an `xkey` header naming the keys the change retired
# (the pages carry theirs in their own `xkey` header; articles/reader/edgekeys.py).
# Editors, anything with a session, the admin, previews and every POST go straight through.
# While the origin is down, pages are served stale for up to six hours (grace).
#
# Needs the xkey vmod from varnish-modules (Debian: apt-get install varnish varnish-modules).

import std;
import xkey;

# The origin. One gunicorn here; several hosts go in a directors.round_robin().
# (tests/test_edge_varnish.py writes a copy with its own port in place of 8000.)
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .probe = {
        .url = "/healthz";
        .interval = 1s;
        .timeout = 2s;
        .window = 3;
        .threshold = 2;
    }
}

# Who may purge: the app servers. Loopback only here; add the app hosts' addresses.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed to purge"));
        }
        if (req.http.xkey) {
            # Hard purge: a withdrawn story must never be served again, not even in grace.
            set req.http.X-Purged = xkey.purge(req.http.xkey);
            return (synth(200, "Purged " + req.http.X-Purged));
        }
        return (purge);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|preview)/" || req.http.Authorization) {
        return (pass);
    }
    # A signed-in editor sees the live site (the origin answers them "private").
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Every other reader gets the same page whatever their cookies (analytics, the
    # CSRF token): the origin's page cache ignores them too.
    unset req.http.Cookie;
    # A fragment fetched for a page's <esi:include> (the backend side may tell).
    unset req.http.X-Esi-Level;
    if (req.esi_level > 0) {
        set req.http.X-Esi-Level = req.esi_level;
    }
    # Grace: a page past its lifetime is served while a fresh copy is fetched, for a
    # few seconds normally, and for hours while the origin fails its health check.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

sub vcl_backend_response {
    # A story page whose Latest block is an <esi:include> (EDGE_ESI): Varnish fills it
    # from the fragment's own copy, which every publication purges (its key "site"),
    # while the page stays cached. Only the origin's say-so turns ESI on.
    if (beresp.http.Surrogate-Control ~ "ESI/1\.0") {
        unset beresp.http.Surrogate-Control;
        set beresp.do_esi = true;
        set beresp.http.X-Esi = "1";
    }
    # A fragment the origin cannot give (down, or an error) leaves its place empty in
    # the page around it, never an error page inside it.
    if (bereq.http.X-Esi-Level && beresp.status >= 500) {
        return (error(200, "Fragment unavailable"));
    }
    # Only what the origin says may be kept is kept: an answer without Cache-Control
    # is not given Varnish's default lifetime (two minutes).
    if (!beresp.http.Cache-Control && !beresp.http.Expires) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # Cache-Control s-maxage (then max-age) sets beresp.ttl, as Varnish does by default;
    # private, no-cache, no-store and Set-Cookie make the answer uncacheable (builtin).
    set beresp.grace = 6h;
    # Keep an expired copy a while longer to answer conditional requests with a 304.
    set beresp.keep = 1h;
}

sub vcl_backend_error {
    if (bereq.http.X-Esi-Level) {
        set beresp.status = 200;
        set beresp.http.Cache-Control = "no-store";
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        synthetic("");
        return (deliver);
    }
}

sub vcl_deliver {
    # A page put together from fragments has no validators of its own: its ETag and
    # Last-Modified are the outer page's, which do not change when a fragment does.
    if (resp.http.X-Esi) {
        unset resp.http.X-Esi;
        if (req.esi_level == 0) {
            unset resp.http.ETag;
            unset resp.http.Last-Modified;
        }
    }
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The keys are for the edge, not for browsers.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
}
