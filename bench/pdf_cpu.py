"""CPU time of a version PDF build, to compare two trees on a loaded machine:
`python -m bench.pdf_cpu [SIZE]` (default 500) in each checkout, DATABASE_URL on a scratch SQLite file.

Prints the CPU seconds (user + system of this process) of two builds of the same synthetic version
(the second one warm): CPU time, unlike the wall clock, hardly moves when other processes share the
cores. Used for the "PDF figures do not get worse by more than 10 %" bar of issue 16.
"""

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
    seconds = []
    for _run in range(2):
        started = time.process_time()
        with translation.override("fr"):
            html = render_to_string("pdf/version.html", version_document_context(version, preview=False))
        html_to_pdf(html)
        seconds.append(time.process_time() - started)
    print(f"{size} requirements: CPU {seconds[0]:.2f} s cold, {seconds[1]:.2f} s warm")


if __name__ == "__main__":
    main()
