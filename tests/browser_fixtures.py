"""The browser fixtures (``browser``, ``page``, ``axe``, ``shoot``): browser tests drive the system
Chromium (never a downloaded one) against pytest-django's live server.

A plugin of the root conftest (``pytest_plugins``) rather than tests/e2e/conftest.py, so that the
browser tests outside tests/e2e (tests/accounts/test_oidc_sign_in.py) share the one session-wide
Playwright: a module importing the fixtures defined a second one, and a second ``sync_playwright()``
in the process fails ("Playwright Sync API inside the asyncio loop").

A missing browser fails these tests: they are not skipped.
"""

import os
from pathlib import Path

import pytest


REPO_ROOT = Path(__file__).resolve().parents[1]
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
    # with a running loop unless told that this is intended (set-up code runs here, not in the server).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium (make system-deps)"
    assert AXE_PATH.exists(), f"{AXE_PATH} is missing: run `npm ci` at the project root"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # The page's own scripts run under its Content-Security-Policy; the test injects axe-core inline,
    # which that policy (rightly) refuses: the browser lets the test harness past it.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe():
    """Run axe-core on the page and return the violations of impact serious or critical."""

    def check(page) -> list[dict]:
        page.add_script_tag(path=str(AXE_PATH))
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]

    return check


@pytest.fixture
def shoot():
    """Save a full-page screenshot under /tmp/shots (outside the repository) for a human to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)
