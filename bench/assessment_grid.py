"""Self-assessment grid of a version with every answer filled (100 and 2,000 requirements): the verdict
(grid query + pure verdict) and the whole page, median of 5 runs, with their SQL query counts.
Each size runs in a fresh process on its own SQLite database.
Target: 2,000 requirements under 0.3 s, queries constant in the number of requirements.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = [int(s) for s in os.environ.get("BENCH_ASSESSMENT_SIZES", "100,2000").split(",")]
ROOT = Path(__file__).resolve().parent.parent


def measure(size: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "DJANGO_MEDIA_ROOT": f"{folder}/media",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ALLOWED_HOSTS": "testserver",
        }
        out = subprocess.run([sys.executable, "-m", "bench.assessment_worker", str(size)], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"bench worker failed ({size}):\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = [measure(size) for size in SIZES]
    # CPU time is printed next to wall time: on a shared machine the wall time mostly measures the others.
    print("| requirements | verdict (s) | verdict CPU (s) | verdict queries | page (s) | page CPU (s) | page queries | page size (KiB) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['size']} | {r['verdict_s']:.3f} | {r['verdict_cpu']:.3f} | {r['verdict_queries']} | {r['page_s']:.3f} "
            f"| {r['page_cpu']:.3f} | {r['page_queries']} | {r['bytes'] / 1024:.0f} |"
        )
    largest = rows[-1]
    constant = len({r["page_queries"] for r in rows}) == 1 and len({r["verdict_queries"] for r in rows}) == 1
    met = largest["page_s"] < 0.3 and constant
    print(f"\nTarget (2,000 requirements under 0.3 s, constant queries): {'met' if met else 'NOT met'}.")
