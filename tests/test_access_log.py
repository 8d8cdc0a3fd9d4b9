"""The access log as shipped (gunicorn.conf.py's ``AccessLog``) writes exactly the line
gunicorn's own logger writes: it only builds fewer atoms to get there."""

import datetime
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def access_line(logger_class, tmp_path, access_log_format=None, **request):
    config = Config()
    log_file = tmp_path / f"{logger_class.__name__}.log"
    config.set("accesslog", str(log_file))
    if access_log_format:
        config.set("access_log_format", access_log_format)
    logger = logger_class(config)
    logger.now = lambda: "[28/Nov/2026:20:48:10 +0000]"  # the same second for both
    environ = {
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/section/city/?page=2",
        "PATH_INFO": "/section/city/",
        "QUERY_STRING": "page=2",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": 'https://example.org/"quoted"',
        "HTTP_USER_AGENT": "Mozilla/5.0 (reader)",
        **request,
    }
    response = SimpleNamespace(
        status="200 OK",
        sent=24020,
        headers=[("Content-Type", "text/html"), ("X-Request-ID", "93e22ddd")],
    )
    headers = [("HOST", "news.example"), ("USER-AGENT", environ["HTTP_USER_AGENT"])]
    took = datetime.timedelta(seconds=0, microseconds=1234)
    logger.access(response, SimpleNamespace(headers=headers), environ, took)
    logger.close_on_exec()
    for handler in logger.access_log.handlers:
        handler.close()
    return log_file.read_text()


def test_the_shipped_logger_is_the_lean_one():
    assert SHIPPED["logger_class"] is SHIPPED["AccessLog"]


@pytest.mark.parametrize(
    ("access_log_format", "environ"),
    [
        (None, {}),  # gunicorn's default format, as shipped
        (None, {"HTTP_AUTHORIZATION": "Basic ZWRpdG9yOnNlY3JldA=="}),  # the user atom
        (None, {"HTTP_REFERER": "-", "HTTP_USER_AGENT": "-"}),
        ('%(h)s %(t)s "%(r)s" %(s)s %(B)s %(D)s %(M)s %(L)s %(T)s %(m)s %(U)s %(q)s %(H)s', {}),
        ("%(h)s %(s)s %(p)s", {}),
        # A format naming headers or environ entries gets gunicorn's full set of atoms.
        ('%(h)s "%(r)s" %(s)s %({x-request-id}o)s %({host}i)s %({path_info}e)s', {}),
    ],
)
def test_access_line_is_gunicorns(tmp_path, access_log_format, environ):
    ours = access_line(SHIPPED["AccessLog"], tmp_path, access_log_format, **environ)
    gunicorns = access_line(Logger, tmp_path, access_log_format, **environ)
    assert ours == gunicorns
    assert ours.count("\n") == 1 and "203.0.113.9" in ours
