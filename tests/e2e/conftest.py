"""Browser tests: the fixtures are in tests/browser_fixtures.py (a plugin of the root conftest, shared
with the browser tests outside this folder); the names below are imported from here by the tests."""

from tests.browser_fixtures import AXE_PATH, CHROMIUM, CHROMIUM_ARGS, SHOTS, describe  # noqa: F401
