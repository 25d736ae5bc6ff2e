"""PDF build of synthetic versions (100, 500, 2,000 requirements): our pipeline against bare WeasyPrint.

Each measurement runs in a fresh process on its own SQLite database, so peak memory (max RSS)
belongs to that build alone. "WeasyPrint alone" prints the very HTML our pipeline renders, with
the same options, in a process of its own. Our overhead is our part of our own build (queries,
comparison, templates) against the engine's part of that same build, so the noise between two
processes does not blur it.
Target: 2,000 requirements in under 40 s and under 1 GiB, overhead under 20 % of WeasyPrint's time.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = [int(s) for s in os.environ.get("BENCH_PDF_SIZES", "100,500,2000").split(",")]
ROOT = Path(__file__).resolve().parent.parent
SUMMARY: list[tuple] = []  # the issue's row (2,000 requirements), for `python -m bench`'s summary


def measure(size: int, mode: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "DJANGO_MEDIA_ROOT": f"{folder}/media",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        out = subprocess.run(
            [sys.executable, "-m", "bench.pdf_worker", str(size), mode],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )
        if out.returncode != 0:
            raise SystemExit(f"bench worker failed ({size}, {mode}):\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = []
    for size in SIZES:
        ours = measure(size, "ours")
        bare = measure(size, "weasyprint")
        # Our part (queries, comparison, templates) against the engine's time in the same build.
        engine = ours["seconds"] - ours["ours_only"]
        overhead = ours["ours_only"] / engine * 100 if engine else 0.0
        rows.append((size, ours, bare, overhead))
        print(f"… {size} requirements done", file=sys.stderr, flush=True)
    header = (
        "| requirements | our build (s) | of which ours: queries + templates (s) | pages | size (KiB) "
        "| peak memory (MiB) | WeasyPrint alone (s) | WeasyPrint peak (MiB) | our overhead |"
    )
    print(header)
    print("|" + "---|" * 9)
    for size, ours, bare, overhead in rows:
        print(
            f"| {size} | {ours['seconds']:.1f} | {ours['ours_only']:.2f} | {ours['pages']} | {ours['bytes'] / 1024:.0f} | {ours['peak_mib']:.0f} "
            f"| {bare['seconds']:.1f} | {bare['peak_mib']:.0f} | {overhead:+.1f} % |"
        )
    SUMMARY[:] = [
        (f"PDF, {size} requirements", f"{ours['seconds']:.1f} s, {ours['peak_mib']:.0f} MiB peak",
         f"WeasyPrint alone {bare['seconds']:.1f} s", f"{ours['seconds'] / bare['seconds']:.2f} ×",
         "≤ 14 s wall, ≤ 400 MiB peak", ours["seconds"] <= 14 and ours["peak_mib"] <= 400)
        for size, ours, bare, _overhead in rows if size == 2000
    ]
