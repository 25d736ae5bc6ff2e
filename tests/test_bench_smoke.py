"""The benchmarks' workers still run against the application as it is now (a small size each): they
are measurements, never run by the suite otherwise, and two had silently stopped working when editors
were required a second factor and memberships an approval."""

import json
import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


def run_worker(tmp_path, module: str, *args: str, **env) -> dict:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bench.sqlite3",
        "DJANGO_MEDIA_ROOT": f"{tmp_path}/media",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        **env,
    }
    environment.pop("REDIS_URL", None)  # the workers measure the embedded default
    out = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_page_bench_runs(tmp_path):
    figures = run_worker(tmp_path, "bench.page_worker", BENCH_PAGES_LARGE="20")
    assert {"hello", "page_50", "page_2000", "api_2000", "workspace_300"} <= set(figures)


def test_the_assessment_bench_runs(tmp_path):
    figures = run_worker(tmp_path, "bench.assessment_worker", "10")
    assert figures
