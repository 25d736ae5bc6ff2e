"""Published version page and API against a hello-world view, in one run (fresh process, SQLite).

Targets (issue 15): version page with 2,000 requirements ≤ 0.1 s, its API answer ≤ 0.1 s, the
50-requirement page ≤ 10 × the hello-world view through the same middleware; issue 12: the
editors' workspace of a 300-requirement draft ≤ 0.5 s.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The issue's rows, for `python -m bench`'s summary: (work, measured, reference, ratio, target, met).
SUMMARY: list[tuple] = []


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "DJANGO_MEDIA_ROOT": f"{folder}/media",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ALLOWED_HOSTS": "testserver",
        }
        out = subprocess.run([sys.executable, "-m", "bench.page_worker"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"bench worker failed:\n{out.stderr[-3000:]}")
    f = json.loads(out.stdout.strip().splitlines()[-1])
    hello = f["hello"]["wall"]
    rows = [
        ("version page, 50 requirements", f["page_50"], f"hello-world {hello * 1000:.2f} ms", f"{f['page_50']['wall'] / hello:.1f} ×",
         "≤ 10 × hello-world", f["page_50"]["wall"] <= 10 * hello),
        ("version page, 2,000 requirements (warm)", f["page_2000"], "", "", "≤ 0.1 s", f["page_2000"]["wall"] <= 0.1),
        ("version page, 2,000 requirements (cold, once)", f["page_2000_cold"], "", "", "—", None),
        ("version API, 2,000 requirements (warm)", f["api_2000"], "", "", "≤ 0.1 s", f["api_2000"]["wall"] <= 0.1),
        ("editors' workspace, draft of 300 requirements", f["workspace_300"], "", "", "≤ 0.5 s", f["workspace_300"]["wall"] <= 0.5),
    ]
    SUMMARY[:] = [
        ("version page, 2,000 requirements (warm)", f"{f['page_2000']['wall']:.3f} s", "", "", "≤ 0.1 s", f["page_2000"]["wall"] <= 0.1),
        ("version API, 2,000 requirements (warm)", f"{f['api_2000']['wall']:.3f} s", "", "", "≤ 0.1 s", f["api_2000"]["wall"] <= 0.1),
        ("version page, 50 requirements", f"{f['page_50']['wall'] * 1000:.2f} ms", f"hello-world view {hello * 1000:.2f} ms",
         f"{f['page_50']['wall'] / hello:.1f} ×", "≤ 10 × hello-world", f["page_50"]["wall"] <= 10 * hello),
    ]
    print("| work | median (s) | CPU (s) | reference | ratio | target | met |")
    print("|---|---|---|---|---|---|---|")
    for name, figure, reference, ratio, target, met in rows:
        print(f"| {name} | {figure['wall']:.4f} | {figure['cpu']:.4f} | {reference} | {ratio} | {target} | {'—' if met is None else ('yes' if met else 'no')} |")
