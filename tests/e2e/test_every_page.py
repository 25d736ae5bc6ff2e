"""Every page a reader, a contributor or an editor reaches, in both languages, on a desktop and on a
390 px phone (the pages whose layout differs): no serious or critical axe-core violation, nothing scrolls the page sideways, and the
tables of versions, consultations and workshops keep all their columns (they scroll inside their
DSFR wrapper instead). Screenshots land in /tmp/shots."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultation import services
from accounts.models import Membership, Organisation
from consultation.models import Consultation
from tests.workshops.factories import full_workshop
from tests.e2e.conftest import describe
from tests.e2e.scenario import build_scenario
from tests.e2e.test_consultation_pages import log_in
from tests.factories import contributor_user, editor_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REF = "/referentiels/ref1-mssante/"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Tables that must keep every column on a phone: the page, and the table's column count.
WIDE_TABLES = {REF: 5, "/concertations/": 5, "/ateliers/": 4}


@pytest.fixture
def world():
    scenario = build_scenario()
    now = timezone.now()
    consultation = Consultation.objects.create(
        version=scenario.v11, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14)
    )
    organisation = Organisation.objects.create(name="Opérateur Test", kind="operator", status="approved")
    contributor = contributor_user(username="contributrice", first_name="Alice", last_name="Martin")
    Membership.objects.create(status="approved", user=contributor, organisation=organisation, email_confirmed_at=now)
    editor = editor_user(username="redactrice")
    mss17 = scenario.v11.requirements.get(key="MSS 17")
    answered = services.submit_comment(
        consultation=consultation, author=contributor, kind="proposal", requirement=mss17,
        body="Préciser « actives ».", proposed_wording="Une BAL dépubliée **DOIT** rester ouverte.",
    )
    services.answer_comment(comment=answered, by=editor, decision="accepted", body="Accepté.")
    withdrawn = services.submit_comment(
        consultation=consultation, author=contributor, kind="remark", requirement=mss17, body="Remarque retirée."
    )
    services.withdraw_comment(comment=withdrawn, by=contributor)
    pending = services.submit_comment(
        consultation=consultation, author=contributor, kind="question", requirement=mss17, body="Question en attente ?"
    )
    workshop = full_workshop(6, referential=scenario.v11.referential)
    return {"consultation": consultation, "contributor": contributor, "editor": editor, "pending": pending,
            "workshop": workshop}


def pages_of(world):
    c = world["consultation"].pk
    public = [
        "/", REF, f"{REF}1.1/", f"{REF}1.1/?q=securite", f"{REF}1.1/exigences/MSS%2017/", f"{REF}comparer/1.0/1.1/",
        f"{REF}comparer/", f"{REF}comparer/1.1/1.1/", "/concertations/", f"/concertations/{c}/",
        f"/concertations/{c}/synthese/", "/ateliers/", f"/ateliers/{world['workshop'].pk}/",
        "/mentions-legales/", "/donnees-personnelles/", "/accessibilite/", "/plan-du-site/",
        "/compte/connexion/", "/compte/inscription/", "/referentiels/inconnu/", "/autoevaluations/syntheses/",
    ]
    contributor = [
        f"/concertations/{c}/", f"/concertations/commentaires/{world['pending'].pk}/retirer/",
        f"/concertations/{c}/commenter/",
    ]
    # The editors' home, and a version still to publish, whose page shows editors its validation panel.
    editor = [f"/concertations/{c}/tableau-de-bord/", "/ateliers/actions/", "/espace-editeurs/", f"{REF}1.1/"]
    return [(None, p) for p in public] + [(world["contributor"], p) for p in contributor] + [
        (world["editor"], p) for p in editor
    ]


# On a phone: the pages with tables, forms or long text; the others share their layout.
PHONE_PAGES = {
    "/", REF, f"{REF}1.1/", f"{REF}1.1/exigences/MSS%2017/", f"{REF}comparer/1.0/1.1/", "/concertations/",
    "/ateliers/", "/donnees-personnelles/", "/plan-du-site/",
}


@pytest.mark.parametrize("viewport_name", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_passes_axe(live_server, browser, axe, shoot, world, language, viewport_name):
    failures = []
    for user, path in pages_of(world):
        if viewport_name == "phone" and path.split("?")[0] not in PHONE_PAGES and "retirer" not in path:
            continue
        context = browser.new_context(viewport=VIEWPORTS[viewport_name], locale="fr-FR", bypass_csp=True)
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page = context.new_page()
        try:
            if user is not None:
                log_in(page, live_server, user)
            page.goto(live_server.url + path)
            assert page.get_attribute("html", "lang") == language, path
            if language == "fr":
                shoot(page, f"every-{viewport_name}-{path.strip('/').replace('/', '_') or 'home'}")
            violations = axe(page)
            if violations:
                failures.append(f"{path}\n{describe(violations)}")
            if viewport_name == "phone":
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    failures.append(f"{path}: the page scrolls sideways by {overflow}px")
                if path in WIDE_TABLES:
                    shown = page.evaluate(
                        "() => [...document.querySelectorAll('main .fr-table th[scope=col]')]"
                        ".filter(th => th.offsetWidth > 0).length"
                    )
                    if shown < WIDE_TABLES[path]:
                        failures.append(f"{path}: {shown} columns shown of {WIDE_TABLES[path]}")
        finally:
            context.close()
    assert not failures, f"{language}, {viewport_name}:\n" + "\n".join(failures)
