"""`make bench`: speed and memory targets, measured outside the test run, printed as tables.

`python -m bench` runs every benchmark; `python -m bench pages`, `python -m bench pdf`, `python -m bench intake`,
`python -m bench reqif` or `python -m bench assessment` one of them.
"""

import sys

BENCHMARKS = ("pages", "read", "pdf", "intake", "reqif", "assessment")


def main(argv: list[str]) -> int:
    selected = set(argv) or set(BENCHMARKS)
    unknown = selected - set(BENCHMARKS)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose among {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if "pages" in selected:
        from bench import published_pages

        print("### Published version page and API (Django test client, SQLite)\n")
        published_pages.main()
        print()
    if "read" in selected:
        from bench import read_load

        print("### Read load: published page and PDF (gunicorn + PostgreSQL, loopback)\n")
        read_load.main()
        print()
    if "pdf" in selected:
        from bench import pdf_build

        print("### PDF build\n")
        pdf_build.main()
        print()
    if "intake" in selected:
        from bench import comment_intake

        print("### Comment intake (gunicorn + PostgreSQL, loopback)\n")
        comment_intake.main()  # prints whether the target is met; like the PDF build, a miss is no failure
        print()
    if "reqif" in selected:
        from bench import reqif_exchange

        print("### ReqIF export and import\n")
        reqif_exchange.main()
        print()
    if "assessment" in selected:
        from bench import assessment_grid

        print("### Self-assessment grid and verdict\n")
        assessment_grid.main()
        print()
    _summary(selected)
    return 0


def _summary(selected: set[str]) -> None:
    """The issue's table (issue 15) in one place: each row measured in this run, its reference beside
    it (measured in the same run), the ratio, and whether its target is met."""
    import importlib

    rows = []
    for name, module in (("pages", "published_pages"), ("read", "read_load"), ("pdf", "pdf_build"), ("intake", "comment_intake")):
        if name in selected:
            rows.extend(getattr(importlib.import_module(f"bench.{module}"), "SUMMARY", []))
    if not rows:
        return
    print("### Targets (issue 15)\n")
    print("| work | measured | reference (same run) | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for work, measured, reference, ratio, target, met in rows:
        print(f"| {work} | {measured} | {reference or '—'} | {ratio or '—'} | {target} | {'yes' if met else 'no'} |")
    met = sum(1 for row in rows if row[5])
    print(f"\n{met} of {len(rows)} targets met.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
