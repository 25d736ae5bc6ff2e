"""CPU time of a version PDF build, to compare two trees on a loaded machine:
`python -m bench.pdf_cpu [SIZE]` (default 500) in each checkout, DATABASE_URL on a scratch SQLite file.

Prints the CPU seconds (user + system of this process and of the layout processes it waited for, see
core/pdf_parts.py) and the wall seconds of two builds of the same synthetic version (the second one
warm): CPU time, unlike the wall clock, hardly moves when other processes share the cores. Used for the "PDF figures do not get worse by more than 10 %" bar of issue 16.
"""

import os
import sys
import time

import django


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    django.setup()
    from django.template.loader import render_to_string
    from django.utils import translation

    from bench.pdf_worker import populate
    from core.pdf import html_to_pdf
    from referential.documents import version_document_context

    version, _user = populate(size)
    def cpu() -> float:
        times = os.times()
        return times.user + times.system + times.children_user + times.children_system

    seconds, walls = [], []
    for _run in range(2):
        started, started_wall = cpu(), time.perf_counter()
        with translation.override("fr"):
            html = render_to_string("pdf/version.html", version_document_context(version, preview=False))
        html_to_pdf(html)
        seconds.append(cpu() - started)
        walls.append(time.perf_counter() - started_wall)
    print(
        f"{size} requirements: CPU {seconds[0]:.2f} s cold, {seconds[1]:.2f} s warm; "
        f"wall {walls[0]:.2f} s, {walls[1]:.2f} s (load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
