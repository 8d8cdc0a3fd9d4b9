"""
On PostgreSQL, cached hits read no stamp while a listener proves that nothing changed.

Every cached hit read its content stamp from the database (``queries.content_stamp``):
on PostgreSQL a round trip to a server sharing the web server's cores, which held
cached pages to about half of what they serve on SQLite. Instead, a trigger on the
stamp tables (migration ``0023_stamp_notifications``) sends ``NOTIFY newsroom_stamps``
in the transaction of every change, whoever makes it (the admin, the task worker,
``manage.py``, raw SQL); PostgreSQL delivers it at commit to every listening
connection. Each worker process runs one thread with a connection of its own that
listens, moves :attr:`Listener.generation` on each notification, and proves every
``HEARTBEAT`` seconds that it still listens: a probe it sends to the channel comes
back to it (``Listener.listen``).

``queries`` keeps the stamps it read under the generation it saw *before* reading
them, and uses them only while the generation is unchanged and the listener was
proven alive within ``PROOF_SECONDS``. So:

* normally a change is seen as soon as its notification reaches the worker (a few
  milliseconds after the commit: the listener thread wakes on the socket and takes
  the interpreter within its switch interval, 5 ms);
* a listener that fails loudly (the server restarts, its backend is terminated) stops
  vouching at once, and the hits read their stamps per request until it is back (its
  reconnection retires everything kept before);
* one whose connection dies silently (a network partition) stops vouching after
  ``PROOF_SECONDS`` (2 s): the longest a hit can show a page older than a change.

Not used with a read replica (a notification comes from the primary at commit, and
the stamp read again at once from a replica still behind would be kept as current),
inside a transaction, while queries are logged, or with ``STAMP_LISTENER=0`` (for a
pooler in transaction mode, where a session's LISTEN does not hold): then the stamp
is read on every request, as before. Why this and not a time bound: docs/deploy.md.
"""

import logging
import os
import threading
import time

logger = logging.getLogger(__name__)

CHANNEL = "newsroom_stamps"
HEARTBEAT = 0.5  # seconds between proofs that the listening connection answers
PROOF_SECONDS = 2.0  # a proof older than this vouches for nothing
RETRY_SECONDS = 2.0  # after the listener's connection failed


class Listener:
    """This process's listening thread, started on first use in each process (gunicorn
    forks its workers from a master that loaded the application)."""

    def __init__(self):
        self.generation = 0
        self.proven_at = None  # monotonic time of the last proof; None while down
        self.pid = None
        self.connection = None  # the listening connection (tests terminate it)
        self.stopped = threading.Event()

    def current(self, db):
        """The generation to keep stamps under, or None: read the stamp."""
        if self.pid != os.getpid():
            self.start(db)
            return None
        proven = self.proven_at
        if proven is None or time.monotonic() - proven > PROOF_SECONDS:
            return None
        return self.generation

    def start(self, db):
        self.pid = os.getpid()
        self.proven_at, self.connection = None, None
        self.stopped = stopped = threading.Event()  # this thread's own
        params = dict(db.get_connection_params())
        for django_only in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(django_only, None)
        thread = threading.Thread(
            target=self.run, args=(params, stopped), name="newsroom-stamp-listener", daemon=True
        )
        thread.start()

    def changed(self, notification=None):
        self.generation += 1

    def run(self, params, stopped):
        import psycopg

        probes = 0
        while not stopped.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as connection:
                    self.connection = connection
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.changed()  # what was kept before may have missed a change
                    while not stopped.is_set():
                        self.listen(connection, f"probe:{os.getpid()}:{probes}", stopped)
                        probes += 1
            except Exception:
                logger.warning("stamp listener down: hits read their stamps", exc_info=True)
            self.changed()
            if not stopped.is_set():  # (a stopped thread leaves its successor alone)
                self.proven_at = None
            stopped.wait(RETRY_SECONDS)

    def listen(self, connection, probe, stopped):
        """One heartbeat: a probe sent to the channel from this session, then
        HEARTBEAT seconds of notifications. The probe coming back proves the session
        still listens, and that every change committed before it was sent has been
        received (a session gets its notifications in commit order): the proof is
        dated when the probe was sent. Other workers' probes are not changes."""
        sent = time.monotonic()
        connection.execute("SELECT pg_notify(%s, %s)", [CHANNEL, probe])
        for notification in connection.notifies(timeout=HEARTBEAT):
            if notification.payload == probe and not stopped.is_set():
                self.proven_at = sent
            elif not notification.payload.startswith("probe:"):
                self.changed()

    def stop(self):
        """Stop the thread (tests); the next use in this process starts another."""
        self.stopped.set()
        self.proven_at, self.pid = None, None


listener = Listener()
