"""The public pages in a real browser: they render, they pass axe-core (no serious or critical
violation), and the language switcher works. Screenshots land in /tmp/shots for review."""

import pytest

from tests.e2e.conftest import describe
from tests.e2e.scenario import build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("home", "/", "Référentiels d’exigences MSSanté"),
    ("referential", "/referentiels/ref1-mssante/", "Ref#1"),
    ("version", "/referentiels/ref1-mssante/1.1/", "MSS 50"),
    ("version-filtered", "/referentiels/ref1-mssante/1.1/?level=bloquante&q=IGC", "Certificats IGC Santé"),
    ("requirement", "/referentiels/ref1-mssante/1.1/exigences/MSS%2017/", "Dans les versions du référentiel"),
    ("compare", "/referentiels/ref1-mssante/comparer/1.0/1.1/", "Changements de la version 1.0 à la version 1.1"),
    ("follow", "/referentiels/ref1-mssante/suivre/", "Suivre Ref#1"),
    ("not-found", "/referentiels/inconnu/", "Page non trouvée"),
]


def test_public_pages_have_no_serious_accessibility_violation(live_server, page, axe, shoot):
    build_scenario()
    failures = []
    for name, path, expected in PAGES:
        page.goto(live_server.url + path)
        assert expected in page.inner_text("body"), f"{path} does not show {expected!r}"  # text, whatever marks highlight it
        shoot(page, name)
        violations = axe(page)
        if violations:
            failures.append(f"{path}\n{describe(violations)}")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


def test_pages_stay_accessible_on_a_phone(live_server, browser, axe, shoot):
    build_scenario()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    try:
        failures = []
        for name, path in [("version-mobile", "/referentiels/ref1-mssante/1.1/"),
                           ("compare-mobile", "/referentiels/ref1-mssante/comparer/1.0/1.1/")]:
            page.goto(live_server.url + path)
            shoot(page, name)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
            violations = axe(page)
            if violations:
                failures.append(f"{path}\n{describe(violations)}")
        assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)
    finally:
        context.close()


def test_the_language_switcher_turns_the_site_to_english(live_server, page, shoot):
    build_scenario()
    page.goto(live_server.url + "/referentiels/ref1-mssante/1.0/")
    assert page.get_attribute("html", "lang") == "fr"
    page.click(".fr-translate__btn")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.url.endswith("/referentiels/ref1-mssante/1.0/")
    assert page.get_attribute("html", "lang") == "en"
    shoot(page, "version-en")


def test_the_version_picker_opens_the_comparison(live_server, page):
    build_scenario()
    page.goto(live_server.url + "/referentiels/ref1-mssante/")
    page.select_option("#comparer-a", "1.0")
    page.select_option("#comparer-b", "1.1")
    page.click("form.compare-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/referentiels/ref1-mssante/comparer/1.0/1.1/")
    assert "MSS 19 " in page.inner_text("main")


def test_the_accessibility_check_does_catch_a_violation(live_server, page, axe):
    """Guards the harness itself: an image without alternative text must be reported."""
    page.goto(live_server.url + "/")
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/static/x.png\">')")
    assert "image-alt" in {violation["id"] for violation in axe(page)}
