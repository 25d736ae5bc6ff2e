"""Django's ``{# … #}`` comment holds on one line only: opened on one line and closed on another,
it is printed to readers as text (the version page showed one to everyone). Multi-line comments
use ``{% comment %}``."""

from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted(
    path
    for folder in [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    for path in folder.rglob("*.html")
)


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_every_short_comment_closes_on_its_own_line(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        opened = line.find("{#")
        assert opened == -1 or "#}" in line[opened:], f"{path.name}:{number}: « {{# » without « #}} » on the same line"
