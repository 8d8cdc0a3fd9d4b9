"""
CPU and system calls per request of one gunicorn worker, the product against the
ceiling, under the product's own ``gunicorn.conf.py`` and ``bench/run.py``'s flags.

    python bench/cpu_per_request.py --database /tmp/bench.sqlite3 [--requests 2000] \\
        [--rounds 3] [--strace] [--config OTHER/gunicorn.conf.py] URL...

wrk's requests per second on a shared machine move with everything else that runs;
the CPU a worker spends per request does much less, and counts what callgrind in
``bench/instructions.py`` does not: the kernel's side (accept, recv, send, close,
SQLite's file locks and reads), gunicorn's own per-request work (parsing, the access
log line, ``post_request``) and the interpreter between them.

Starts the product (``PAGE_CACHE=1``, as shipped) and the ceiling (``bench/ceiling``),
each with ONE sync worker so every request lands on the worker measured. For each
address: warm-up requests, then ``--requests`` sequential requests from a minimal
client (a new connection per request, as gunicorn's sync worker closes each one,
``GET`` with a ``Host`` header and nothing else, as wrk sends), reading the worker's
CPU time before and after:

- ``/proc/<pid>/schedstat``'s run time (nanoseconds, user and kernel together), and
- ``/proc/<pid>/stat``'s utime and stime (clock ticks), for the split.

Repeated ``--rounds`` times; prints the median and the spread of each. With
``--strace``, one more pass per address with ``strace -c -f`` attached to the
worker: system calls per request, by name (strace slows the worker, so its pass is
not timed).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench.run
from bench.run import (
    CEILING_URL,
    children,
    collectstatic,
    free_port,
    server_environment,
    start_ceiling,
    start_gunicorn,
    stop,
    wait_until_ready,
)

TICK = os.sysconf("SC_CLK_TCK")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--strace", action="store_true", help="count system calls too")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for the product"
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="another gunicorn.conf.py for both servers (to compare a version's settings)",
    )
    parser.add_argument("urls", nargs="+")
    return parser.parse_args(argv)


def get(port, path, extra=b""):
    """One request on a new connection, read to the end; returns the bytes received."""
    request = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (path.encode(), port, extra)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        received = 0
        while chunk := sock.recv(262144):
            received += len(chunk)
    return received


def cpu(pid):
    """(run time in ns, utime ticks, stime ticks) of a process so far."""
    with open(f"/proc/{pid}/schedstat") as schedstat:
        run_ns = int(schedstat.read().split()[0])
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return run_ns, int(fields[11]), int(fields[12])


def one_worker(master):
    deadline = time.monotonic() + 30
    while not (workers := children(master.pid)):
        if time.monotonic() > deadline:
            raise SystemExit("no gunicorn worker appeared")
        time.sleep(0.1)
    return workers[0]


def measure(port, pid, path, count):
    before = cpu(pid)
    for _ in range(count):
        get(port, path)
    after = cpu(pid)
    run_ns, utime, stime = (b - a for a, b in zip(before, after, strict=True))
    return {
        "us": run_ns / count / 1000,
        "user_us": utime / TICK / count * 1e6,
        "sys_us": stime / TICK / count * 1e6,
    }


def syscalls(port, pid, path, count):
    """System calls per request by name, from ``strace -c -f`` on the worker."""
    with tempfile.NamedTemporaryFile(suffix=".strace", delete=False) as out:
        output = out.name
    tracer = subprocess.Popen(
        ["strace", "-c", "-f", "-qq", "-o", output, "-p", str(pid)],
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # let strace attach before counting
    for _ in range(count):
        get(port, path)
    tracer.terminate()
    tracer.wait(timeout=30)
    counts = {}
    for line in Path(output).read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
            counts[parts[-1]] = int(parts[3])
    Path(output).unlink()
    return {name: calls / count for name, calls in counts.items()}


def summary(samples, key):
    values = [sample[key] for sample in samples]
    median = statistics.median(values)
    spread = (max(values) - min(values)) / median if median else 0
    return median, spread


def main(argv=None):
    args = parse_args(argv)
    if args.config:
        bench.run.CONFIG = args.config.resolve()
    results, calls = {}, {}
    with tempfile.TemporaryDirectory(prefix="newsroom-cpu-") as var_dir:
        env = server_environment(args.database.resolve(), var_dir, ["PAGE_CACHE=1", *args.env])
        collectstatic(env)
        port = free_port()
        log = Path(var_dir) / "gunicorn.log"
        server = ceiling = None
        try:
            ceiling, ceiling_base = start_ceiling([], 1, Path(var_dir) / "ceiling.log")
            ceiling_port = int(ceiling_base.rsplit(":", 1)[1])
            server = start_gunicorn(env, port, 1, log)
            wait_until_ready(server, f"http://127.0.0.1:{port}", log)
            targets = [("ceiling", ceiling_port, one_worker(ceiling), CEILING_URL)] + [
                (url, port, one_worker(server), url) for url in args.urls
            ]
            for name, target_port, _pid, path in targets:
                size = get(target_port, path)
                print(f"{name}: {size:,} bytes a response", file=sys.stderr)
                for _ in range(args.warmup):
                    get(target_port, path)
            for number in range(args.rounds):
                for name, target_port, pid, path in targets:
                    print(f"round {number + 1}: {name}", file=sys.stderr)
                    results.setdefault(name, []).append(
                        measure(target_port, pid, path, args.requests)
                    )
            if args.strace:
                for name, target_port, pid, path in targets:
                    calls[name] = syscalls(target_port, pid, path, min(args.requests, 1000))
        finally:
            for process in (server, ceiling):
                if process is not None:
                    stop(process)
    print(report(results, calls, args))


def report(results, calls, args):
    ceiling_us, _ = summary(results["ceiling"], "us")
    lines = [
        f"One sync worker each, the project's gunicorn.conf.py; {args.requests:,} sequential "
        f"requests × {args.rounds} rounds, a new connection each; CPU from /proc/<pid>/schedstat "
        "(user + kernel), the split from /proc/<pid>/stat.",
        "",
        "| page | CPU µs/request | spread | × ceiling | user µs | kernel µs |"
        + (" syscalls/request |" if calls else ""),
        "|---|--:|--:|--:|--:|--:|" + ("--:|" if calls else ""),
    ]
    for name, samples in results.items():
        us, spread = summary(samples, "us")
        user, _ = summary(samples, "user_us")
        kernel, _ = summary(samples, "sys_us")
        row = (
            f"| {name} | {us:,.0f} | {spread:.0%} | {us / ceiling_us:.2f} | {user:,.0f} | "
            f"{kernel:,.0f} |"
        )
        if calls:
            row += f" {sum(calls[name].values()):.1f} |"
        lines.append(row)
    if calls:
        names = sorted({n for per in calls.values() for n in per if per[n] >= 0.05})
        lines += [
            "",
            "System calls per request (strace -c -f on the worker):",
            "",
            "| syscall | " + " | ".join(calls) + " |",
            "|---|" + "--:|" * len(calls),
        ]
        for syscall in names:
            lines.append(
                f"| {syscall} | "
                + " | ".join(f"{calls[page].get(syscall, 0):.2f}" for page in calls)
                + " |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
