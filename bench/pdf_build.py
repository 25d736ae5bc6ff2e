"""PDF build of synthetic versions (100, 500, 2,000 requirements): our pipeline against bare WeasyPrint.

Each measurement runs in a fresh process on its own SQLite database, so peak memory (max RSS)
belongs to that build alone. "WeasyPrint alone" prints the very HTML our pipeline renders, with
the same options, in a process of its own. Our overhead is our part of our own build (queries,
comparison, templates) against the engine's part of that same build, so the noise between two
processes does not blur it.
A large version is printed in parts, in several processes (core/pdf_parts.py: workers forked by one
zygote, started before the templates are rendered, as documents.build_version_pdf does): its CPU is
the sum over the processes (the zygote waits for its workers, so theirs count), its peak memory the
largest one's. The machine may be shared: wall times come with
the load average (1 min) at the end of each build; CPU times depend on it far less (contention
inflates them by 5 to 15 %).
Target (issue 15): 2,000 requirements in at most 14 s wall and 400 MiB peak per process, on 2 cores
(free ones: with another process holding a core, the wall time is about the CPU time).
`BENCH_PDF_SIZES=2000 python -m bench.pdf_build` measures that size alone.
``BENCH_PDF_WHOLE=1`` also measures our pipeline in one process.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = [int(s) for s in os.environ.get("BENCH_PDF_SIZES", "100,500,2000").split(",")]
WHOLE = os.environ.get("BENCH_PDF_WHOLE") == "1"
TARGET_SIZE, TARGET_SECONDS, TARGET_MIB = 2000, 14.0, 400
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
        whole = measure(size, "whole") if WHOLE else None
        bare = measure(size, "weasyprint")
        rows.append((size, ours, whole, bare))
        print(f"… {size} requirements done", file=sys.stderr, flush=True)
    print(
        "| requirements | processes | wall (s) | CPU, all processes (s) | of which ours: queries + templates (s) "
        "| pages | size (KiB) | peak per process (MiB): this one / largest part | load avg | WeasyPrint alone: wall (s) | its CPU (s) | its peak (MiB) |"
    )
    print("|" + "---|" * 12)
    for size, ours, whole, bare in rows:
        for label, run in (("ours", ours), ("whole", whole)):
            if run is None:
                continue
            print(
                f"| {size}{'' if label == 'ours' else ' (one process)'} | {run['processes']} | {run['seconds']:.1f} | {run['cpu']:.1f} "
                f"| {run['ours_only']:.2f} | {run['pages']} | {run['bytes'] / 1024:.0f} | {run['peak_mib']:.0f} / {run['children_peak_mib']:.0f} | {run['load']:.1f} "
                f"| {bare['seconds']:.1f} | {bare['cpu']:.1f} | {bare['peak_mib']:.0f} |"
            )
    for size, ours, _, _ in rows:
        if size == TARGET_SIZE:
            peak = max(ours["peak_mib"], ours["children_peak_mib"])
            met = ours["seconds"] <= TARGET_SECONDS and peak <= TARGET_MIB
            print(
                f"\nTarget, {size} requirements: ≤ {TARGET_SECONDS:.0f} s wall and ≤ {TARGET_MIB} MiB per process, on 2 cores: "
                f"{ours['seconds']:.1f} s wall ({ours['cpu']:.1f} s CPU, load average {ours['load']:.1f} on {os.cpu_count()} cores), "
                f"{peak:.0f} MiB: met {'yes' if met else 'no'}"
            )
    SUMMARY[:] = [
        (f"PDF, {size} requirements",
         f"{ours['seconds']:.1f} s wall, {max(ours['peak_mib'], ours['children_peak_mib']):.0f} MiB peak per process",
         f"WeasyPrint alone {bare['seconds']:.1f} s", f"{ours['seconds'] / bare['seconds']:.2f} ×",
         f"≤ {TARGET_SECONDS:.0f} s wall, ≤ {TARGET_MIB} MiB peak",
         ours["seconds"] <= TARGET_SECONDS and max(ours["peak_mib"], ours["children_peak_mib"]) <= TARGET_MIB)
        for size, ours, _whole, bare in rows if size == TARGET_SIZE
    ]


if __name__ == "__main__":
    main()
