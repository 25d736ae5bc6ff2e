"""`make bench`: speed and memory targets, measured outside the test run, printed as a table."""

import sys

from bench import pdf_build


def main(argv: list[str]) -> int:
    selected = set(argv) or {"pdf"}
    if "pdf" in selected:
        pdf_build.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
