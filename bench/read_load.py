"""Read load: 50 concurrent clients on a published version's page and its PDF, through gunicorn.

A fresh PostgreSQL database holds a published version (``BENCH_READ_REQUIREMENTS`` requirements,
100 by default, its PDF really built); gunicorn serves it on loopback with the production settings;
``BENCH_READ_CLIENTS`` threads (50) each read, for ``BENCH_READ_SECONDS`` (20 s) after a warm-up,
the version page three times out of four and its PDF once, each answer's latency and status
recorded. Target (issue 15): no error, p95 under 300 ms — the app degrades, it does not fail.

gunicorn runs ``BENCH_READ_WORKERS`` sync workers (cores + 1) and ``BENCH_READ_THREADS`` threads
each (1; more selects the gthread worker). Every request a reader sends is anonymous: the page comes
whole from each worker's memory, the PDF is a file sent as is (sendfile). Besides latencies, the table
gives the CPU each request cost (gunicorn, PostgreSQL, the client threads, over the measured window)
and the load average, since the machine may be shared: with the CPU per request, the throughput a
quiet machine would reach is the cores divided by it.

    python -m bench read            # or: python -m bench.read_load
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench.comment_intake import (
    CORES,
    ROOT,
    _cpu_split,
    _snapshot,
    _create_database,
    _drop_database,
    _free_port,
    _log,
    _percentile,
    _server_env,
    _start_gunicorn,
    _stop,
)

CLIENTS = int(os.environ.get("BENCH_READ_CLIENTS", "50"))
SECONDS = float(os.environ.get("BENCH_READ_SECONDS", "20"))
REQUIREMENTS = int(os.environ.get("BENCH_READ_REQUIREMENTS", "100"))
WORKERS = int(os.environ.get("BENCH_READ_WORKERS", str(CORES + 1)))
THREADS = int(os.environ.get("BENCH_READ_THREADS", "1"))
TARGET_P95_MS = 300.0
SUMMARY: list[tuple] = []  # the issue's rows, for `python -m bench`'s summary


def setup_main() -> None:
    """In the bench's database: a published version with its PDF; prints the two paths as JSON."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from bench.pdf_worker import populate
    from referential import services

    version, user = populate(REQUIREMENTS)
    with override_settings(REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL=False):
        services.publish_version(version=version, by=user)
    from django.urls import reverse

    pdf = reverse("referential:version_pdf", kwargs={"slug": version.referential.slug, "number": version.number})
    print(json.dumps({"page": version.get_absolute_url(), "pdf": pdf}))


class Reader(threading.Thread):
    def __init__(self, index: int, port: int, paths: dict, stop_at: list):
        super().__init__(daemon=True)
        self.index, self.port, self.paths, self.stop_at = index, port, paths, stop_at
        self.latencies: dict[str, list[float]] = {"page": [], "pdf": []}
        self.errors: list[str] = []

    def get(self, kind: str) -> None:
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            connection.request("GET", self.paths[kind], headers={"Host": "127.0.0.1", "Accept-Language": "fr"})
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 200:
                self.errors.append(f"{kind} {response.status}")
        except OSError as error:
            self.errors.append(f"{kind} {type(error).__name__}")
        self.latencies[kind].append(time.perf_counter() - started)

    def run(self) -> None:
        self.get("page")  # warm-up, not counted
        self.latencies["page"].clear()
        number = self.index
        while time.monotonic() < self.stop_at[0]:
            self.get("pdf" if number % 4 == 0 else "page")
            number += 1


def _ready(port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        status = connection.getresponse().status
        connection.close()
        return status == 200
    except OSError:
        return False


def main() -> bool:
    database = f"bench_read_{os.getpid()}"
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-read-") as folder:
            os.mkdir(f"{folder}/static")
            _create_database(database)
            env = {**_server_env(database, f"{folder}/static"), "DJANGO_MEDIA_ROOT": f"{folder}/media"}
            out = subprocess.run([sys.executable, "-m", "bench.read_load", "setup"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, check=False, timeout=600)
            if out.returncode != 0:
                raise RuntimeError(f"setup failed:\n{out.stderr[-3000:]}")
            paths = json.loads(out.stdout.strip().splitlines()[-1])
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
            port = _free_port()
            with open(f"{folder}/gunicorn.log", "w") as log:
                server = _start_gunicorn(env, port, log, workers=WORKERS, threads=THREADS)
                deadline = time.monotonic() + 40
                while not (_ready(port, paths["page"]) and _ready(port, paths["pdf"])):
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError(open(f"{folder}/gunicorn.log").read()[-3000:])
                    time.sleep(0.3)
                stop_at = [time.monotonic() + SECONDS + 5]
                readers = [Reader(index, port, paths, stop_at) for index in range(CLIENTS)]
                load_before = os.getloadavg()[0]
                before = _snapshot(os.getpgid(server.pid))
                started = time.monotonic()
                for reader in readers:
                    reader.start()
                for reader in readers:
                    reader.join(timeout=SECONDS + 60)
                window = time.monotonic() - started
                cpu = _cpu_split(before, _snapshot(os.getpgid(server.pid)))
                load_after = os.getloadavg()[0]
                _stop(server)
    finally:
        if server is not None:
            _stop(server)
        _drop_database(database)
    errors = [error for reader in readers for error in reader.errors]
    print("| clients | kind | requests | errors | per s | p50 (ms) | p95 (ms) | p99 (ms) | target | met |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    met = not errors
    SUMMARY.clear()
    for kind in ("page", "pdf"):
        values = sorted(value for reader in readers for value in reader.latencies[kind])
        p95 = _percentile(values, 0.95) * 1000
        kind_errors = sum(1 for error in errors if error.startswith(kind))
        ok = kind_errors == 0 and p95 < TARGET_P95_MS
        met = met and ok
        SUMMARY.append((f"read load, {CLIENTS} clients: {'published version page' if kind == 'page' else 'its PDF'}",
                        f"p95 {p95:.0f} ms, {kind_errors} errors", "", "", f"no error, p95 < {TARGET_P95_MS:.0f} ms", ok))
        print(f"| {CLIENTS} | {kind} | {len(values)} | {kind_errors} | {len(values) / window:.0f} | "
              f"{statistics.median(values) * 1000:.0f} | {p95:.0f} | {_percentile(values, 0.99) * 1000:.0f} | "
              f"no error, p95 < {TARGET_P95_MS:.0f} ms | {'yes' if ok else 'no'} |")
    if errors:
        _log(f"errors: {sorted(set(errors))[:10]}")
    total = sum(len(reader.latencies[kind]) for reader in readers for kind in ("page", "pdf"))
    per = {kind: cpu[kind] * 1000 / max(total, 1) for kind in ("gunicorn", "postgres", "clients")}
    ceiling = CORES * 1000 / max(sum(per.values()), 1e-9)
    print()
    print(f"gunicorn: {WORKERS} workers × {THREADS} thread(s); load average {load_before:.1f} → {load_after:.1f} on "
          f"{CORES} cores; the machine was busy {cpu['machine'] / (window * CORES) * 100:.0f} % of the window, "
          f"{cpu['other'] / max(cpu['machine'], 1e-9) * 100:.0f} % of it for other processes.")
    print(f"CPU per request (page and PDF together, {total} requests): gunicorn {per['gunicorn']:.2f} ms, "
          f"PostgreSQL {per['postgres']:.2f} ms, the client threads {per['clients']:.2f} ms; "
          f"a quiet {CORES}-core machine would serve about {ceiling:.0f} requests/s with these clients on it.")
    return met


if __name__ == "__main__":
    if sys.argv[1:] == ["setup"]:
        setup_main()
    else:
        main()
