"""The editors' workspace in a real browser: an editor builds a small draft on the site — a chapter,
two requirements, a renumbering, a move with the keyboard (Monter) — types a statement with the
Markdown toolbar and sees the live preview; axe-core finds no serious or critical violation on the
tree nor on the requirement's editor."""

import pytest

from tests.e2e.conftest import describe
from tests.e2e.test_consultation_pages import log_in
from tests.factories import VersionFactory, editor_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_editor_builds_a_small_draft_with_the_keyboard(live_server, page, axe, shoot):
    draft = VersionFactory(number="0.9")
    log_in(page, live_server, editor_user(username="redactrice"))
    failures = []

    def check(where):
        shoot(page, f"draft-workspace-{where}")
        violations = axe(page)
        if violations:
            failures.append(f"{where}\n{describe(violations)}")

    page.goto(live_server.url + draft.get_absolute_url())
    page.click("text=Modifier le brouillon")
    page.fill("#chapitre-title", "Sécurité des échanges")
    page.click("text=Ajouter le chapitre")
    assert "1. Sécurité des échanges" in page.content()

    for key, title in (("MSS 1", "Chiffrement"), ("MSS 2", "Authentification")):
        page.fill("#exigence-key", key)
        page.fill("#exigence-title", title)
        page.fill("#exigence-statement", f"L'opérateur **DOIT** assurer : {title.lower()}.")
        page.click("text=Ajouter l’exigence")
    rows = page.locator(".draft-requirement")
    assert rows.count() == 2
    check("tree")

    # Renumber MSS 2 in its editor; the toolbar and the live preview work there.
    page.click("a:has-text('Authentification')")
    page.fill("#id_key", "MSS 20")
    statement = page.locator("#id_statement")
    statement.fill("Le serveur DOIT ")
    statement.press("End")
    page.click(".markdown-toolbar button:has-text('Gras')")
    page.keyboard.type("refuser")
    page.wait_for_function("document.querySelector('#apercu').innerHTML.includes('<strong>refuser</strong>')")
    assert statement.input_value() == "Le serveur DOIT **refuser**"
    check("editor")
    page.click("button[value=save_and_return]")
    assert "MSS 20" in page.content()

    # Move MSS 20 above MSS 1 with the keyboard: focus its « Monter » button and press Enter.
    up = page.locator(".draft-requirement", has_text="MSS 20").locator("button[value=up]")
    up.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    keys = page.locator(".draft-requirement .draft-requirement__pick label").all_inner_texts()
    assert [k.replace("Sélectionner", "").strip() for k in keys] == ["MSS 20", "MSS 1"]
    assert list(draft.requirements.order_by("position").values_list("key", flat=True)) == ["MSS 20", "MSS 1"]
    check("tree-after-move")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)
