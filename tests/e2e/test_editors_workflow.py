"""Issue 12's whole path in a real browser: an editor carries a contributor's proposal into the next
draft, renumbers a requirement in the workspace and moves it with the keyboard, submits the draft for
validation; a second editor approves it; the first publishes it on the confirmation page; the
comparison with the consulted version says *renumbered* and *reworded*. axe-core checks each
workspace page on the way (no serious or critical violation)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultation.models import Consultation
from referential import services as referential_services
from referential.models import ReferentialVersion
from tests.e2e.conftest import describe
from tests.e2e.test_comment_triage import world  # noqa: F401 — the fixture: consultation, proposal, next draft
from tests.e2e.test_consultation_flow import log_in
from tests.factories import editor_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_from_a_proposal_to_a_published_version_reviewed_by_a_second_editor(live_server, page, axe, shoot, settings, world):  # noqa: F811
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True
    consultation, author, proposal, _question, _remark, carrier = world
    draft = carrier.version
    approver = editor_user(username="validatrice_ans", first_name="Inès", last_name="Roux")
    failures = []

    def check(where):
        shoot(page, f"editors-workflow-{where}")
        if violations := axe(page):
            failures.append(f"{where}\n{describe(violations)}")

    # 1. Carry the proposal into the draft from the consultation's dashboard.
    dashboard = f"/concertations/{consultation.pk}/tableau-de-bord/"
    log_in(page, live_server, author.username, dashboard)
    page.get_by_role("region", name=f"Commentaire n° {proposal.pk}").get_by_role(
        "button", name=f"Appliquer la rédaction proposée à MSS 1 (version {draft.number})"
    ).click()
    page.wait_for_load_state()
    check("dashboard")

    # 2. Renumber MSS 2 in the workspace, then move it into MSS 1's chapter with the keyboard.
    page.goto(live_server.url + draft.get_absolute_url())
    page.click("text=Modifier le brouillon")
    check("workspace")
    page.locator(".draft-requirement", has_text="MSS 2").locator("a").first.click()
    page.fill("#id_key", "MSS 20")
    check("requirement-editor")
    page.click("button[value=save_and_return]")
    row = page.locator(".draft-requirement", has_text="MSS 20")
    row.locator("select[name=section]").focus()
    row.locator("select[name=section]").select_option(label=row.locator("select[name=section] option", has_text="Transport").inner_text())
    row.locator("button[value=move]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    moved = draft.requirements.get(key="MSS 20")
    assert moved.section.title == "Transport"

    # 3. Submit for validation; the author cannot approve their own round.
    page.goto(live_server.url + draft.get_absolute_url())
    page.get_by_role("button", name="Soumettre à validation").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Approuver pour publication").count() == 0
    check("submitted")

    # 4. A second editor approves.
    page.context.clear_cookies()
    log_in(page, live_server, approver.username, draft.get_absolute_url())
    page.get_by_role("button", name="Approuver pour publication").click()
    page.wait_for_load_state()
    check("approved")

    # 5. The consultation ends and the consulted version is published (outside this path), then
    #    the author publishes the draft on the confirmation page.
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = False
    referential_services.publish_version(version=consultation.version, by=approver)
    settings.REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = True
    page.context.clear_cookies()
    log_in(page, live_server, author.username, referential_services.publish_page_url(draft))
    check("publication-page")
    page.get_by_role("button", name=f"Confirmer la publication de la version {draft.number}").click()
    page.wait_for_load_state()
    draft = ReferentialVersion.objects.get(pk=draft.pk)
    assert draft.status == ReferentialVersion.Status.PUBLISHED, page.inner_text("main")

    # 6. The comparison says what happened.
    page.goto(live_server.url + draft.get_absolute_url())
    page.get_by_role("link", name=f"Comparer avec la version {consultation.version.number}").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Renumérotées (1)" in text and "MSS 20" in text
    # Reworded: the proposal's text, as a word-level redline (« 1.2 ou supérieur » → « 1.3 »).
    assert "Modifiées (1)" in text and "chiffrer les échanges en TLS 1." in text
    check("comparison")
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)
