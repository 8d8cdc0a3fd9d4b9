"""gunicorn settings: `gunicorn -c gunicorn.conf.py newsroom.wsgi:application`.

Every value can be overridden by the environment (or gunicorn's own flags).
Why these values, measured: docs/deploy.md and docs/benchmarks.md."""

import logging
import multiprocessing
import os
import re
import traceback

from gunicorn.glogging import Logger, SafeAtoms


def _env_int(name, default):
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: two per core and one more, as gunicorn's documentation suggests.
workers = _env_int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5

# Load Django once, in the master, and fork warm workers from it: start-up, the URL
# resolver, the compiled templates and the static manifest are shared, and a replaced
# worker serves its first request at full speed (newsroom/wsgi.py warms them and opens
# no database connection before the fork). With it, `kill -HUP` restarts the workers
# but does not load new code: a release restarts the master (see docs/deploy.md).
# GUNICORN_PRELOAD=0 loads the application in each worker instead.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

# No recycling by request count: at full load 2,000 requests were about a second of
# a worker's life, and each restart paid Django's start-up and cold caches (p99 in the
# hundreds of ms). GUNICORN_MAX_REQUESTS=N brings it back (with 10% jitter).
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
# Recycling on memory instead: a worker whose resident memory has grown past
# GUNICORN_MAX_WORKER_MB (a leak; a worker normally stays near 60 MB) finishes the
# request it is serving and is replaced. Checked every 100 requests (a /proc read).
# 0 turns it off.
max_worker_mb = _env_int("GUNICORN_MAX_WORKER_MB", 300)
MEMORY_CHECK_EVERY = 100

# The access log, on by default (to stdout). GUNICORN_ACCESS_LOG="" turns it off,
# for a host whose load balancer already logs every request.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"


class AccessLog(Logger):
    """gunicorn's logger, writing the same access line for less work per request.

    gunicorn builds every possible atom for each line: each request header, each
    response header and each environ entry as a ``{name}i/o/e`` atom, then escapes
    every one of them, though the format uses nine letters. That was most of the
    line's cost, and it grew with the page's headers (a reader page sends 15, the
    benchmark's ceiling 6). This builds only the atoms the format names, with
    gunicorn's own values; a format naming a ``{header}`` atom gets gunicorn's full
    set, as before. Measured in docs/benchmarks.md ("The cached hit outside Django").
    """

    def setup(self, cfg):
        super().setup(cfg)
        names = set(re.findall(r"%\(([^)]*)\)", cfg.access_log_format or ""))
        self.access_atoms = None if any(name.startswith("{") for name in names) else names

    def atoms(self, resp, req, environ, request_time):
        if self.access_atoms is None:
            return super().atoms(resp, req, environ, request_time)
        wanted, atoms = self.access_atoms, {}
        for name in wanted:
            if name in _BASIC_ATOMS:
                atoms[name] = _BASIC_ATOMS[name](self, resp, environ, request_time)
        return atoms

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            log = self.access_log
            if not log.isEnabledFor(logging.INFO):
                return
            atoms = SafeAtoms(self.atoms(resp, req, environ, request_time))
            # log.info() would first look for its caller in the stack (the record's
            # file and line, which the access line does not print): the record is made
            # directly, with the same message, arguments and handlers.
            record = log.makeRecord(
                log.name, logging.INFO, __file__, 0, self.cfg.access_log_format, (atoms,), None
            )
            log.handle(record)
        except Exception:  # as gunicorn does: a broken line never fails the request
            self.error(traceback.format_exc())


def _status(resp):
    status = resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


def _sent(resp):
    return getattr(resp, "sent", None)


# gunicorn.glogging.Logger.atoms' values, one function per letter.
_BASIC_ATOMS = {
    "h": lambda log, resp, env, took: env.get("REMOTE_ADDR", "-"),
    "l": lambda log, resp, env, took: "-",
    "u": lambda log, resp, env, took: log._get_user(env) or "-",
    "t": lambda log, resp, env, took: log.now(),
    "r": lambda log, resp, env, took: (
        f"{env['REQUEST_METHOD']} {env['RAW_URI']} {env['SERVER_PROTOCOL']}"
    ),
    "s": lambda log, resp, env, took: _status(resp),
    "m": lambda log, resp, env, took: env.get("REQUEST_METHOD"),
    "U": lambda log, resp, env, took: env.get("PATH_INFO"),
    "q": lambda log, resp, env, took: env.get("QUERY_STRING"),
    "H": lambda log, resp, env, took: env.get("SERVER_PROTOCOL"),
    "b": lambda log, resp, env, took: (_sent(resp) is not None and str(_sent(resp))) or "-",
    "B": lambda log, resp, env, took: _sent(resp),
    "f": lambda log, resp, env, took: env.get("HTTP_REFERER", "-"),
    "a": lambda log, resp, env, took: env.get("HTTP_USER_AGENT", "-"),
    "T": lambda log, resp, env, took: took.seconds,
    "D": lambda log, resp, env, took: took.seconds * 1000000 + took.microseconds,
    "M": lambda log, resp, env, took: took.seconds * 1000 + int(took.microseconds / 1000),
    "L": lambda log, resp, env, took: f"{took.seconds}.{took.microseconds:06d}",
    "p": lambda log, resp, env, took: f"<{os.getpid()}>",
}

logger_class = AccessLog


def _resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def post_request(worker, req, environ, resp):
    if not max_worker_mb:
        return
    worker.requests_served = getattr(worker, "requests_served", 0) + 1
    if worker.requests_served % MEMORY_CHECK_EVERY:
        return
    try:
        resident = _resident_mb()
    except OSError:  # no /proc: nothing to check
        return
    if resident > max_worker_mb:
        worker.log.warning(
            "worker %s uses %.0f MB (> %s MB): replacing it", worker.pid, resident, max_worker_mb
        )
        worker.alive = False


# /metrics with several workers (newsroom/metrics.py): with PROMETHEUS_MULTIPROC_DIR set,
# each worker writes its counters to files there and a scrape adds them up. The master
# empties the folder when it starts (counts from a previous run would be added in) and
# tells prometheus-client when a worker exits (its gauges no longer count).
# The folder must exist before the application is loaded (preload_app: before on_starting).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
