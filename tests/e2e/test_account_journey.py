"""Accounts end to end on allauth's pages, in the system Chromium (issue 14).

A founder signs up with a new organisation; a newcomer signs up naming an organisation already
approved (spelled differently), confirms their address with the mail's button (a POST: following the
link confirms nothing), signs in and sees their membership pending; once an editor approves it, the
newcomer comments on a version in consultation. Along the way every account page is rendered —
sign-in, sign-up, confirmation sent, confirm, reset, reset sent, new password, password saved,
change password, e-mail addresses, sessions — and axe-core finds no serious or critical violation.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, Organisation
from consultation import services
from consultation.models import Comment
from tests.e2e.conftest import describe
from tests.factories import editor_user, filled_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide-2024"
NEW_PASSWORD = "un-nouveau-mot-de-passe-2025"
COMMENT_TEXT = "Le calendrier de bascule vers TLS 1.3 mériterait une date butoir."


@pytest.fixture
def world():
    editor = editor_user(username="redacteur_ans", first_name="Claire", last_name="Martin")
    version = filled_version()
    requirement = version.requirements.get(key="MSS 1")
    now = timezone.now()
    consultation = services.open_consultation(
        version=version, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1), by=editor
    )
    organisation = Organisation.objects.create(
        name="Messagerie Santé Services", kind=Organisation.Kind.OPERATOR, status=Organisation.Status.APPROVED,
        agrees_to_be_named=True,
    )
    return consultation, requirement, organisation, editor


def last_link(pattern: str, to: str) -> str:
    """The path of the last link matching ``pattern`` in the last mail sent to ``to``."""
    message = [message for message in mail.outbox if to in message.to][-1]
    return re.search(r"https?://[^/\s]+(" + pattern + r")", message.body).group(1)


class Journey:
    def __init__(self, page, live_server, axe, shoot):
        self.page, self.base, self.axe, self.shoot = page, live_server.url, axe, shoot
        self.failures = []

    def go(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state()

    def check(self, where):
        violations = self.axe(self.page)
        if violations:
            self.failures.append(f"{where}\n{describe(violations)}")
        self.shoot(self.page, f"account-{where}")

    def main(self) -> str:
        return self.page.inner_text("main")

    def submit(self, name):
        self.page.locator("main").get_by_role("button", name=name).click()
        self.page.wait_for_load_state()

    def sign_up(self, *, first_name, last_name, email, organisation_name, kind="operator"):
        self.go("/compte/inscription/")
        page = self.page
        page.fill("input[name=first_name]", first_name)
        page.fill("input[name=last_name]", last_name)
        page.fill("input[name=email]", email)
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.fill("input[name=organisation_name]", organisation_name)
        page.select_option("select[name=organisation_kind]", kind)
        self.submit("Créer mon compte")
        assert "/compte/confirmer/" in page.url, self.main()

    def log_in(self, login, password=PASSWORD):
        self.go("/compte/connexion/")
        self.page.get_by_label("Adresse électronique ou identifiant").fill(login)
        self.page.get_by_label("Mot de passe").fill(password)
        self.submit("Se connecter")
        assert "/compte/connexion/" not in self.page.url, self.main()

    def log_out(self):
        self.page.locator("header").get_by_role("button", name="Se déconnecter").first.click()
        self.page.wait_for_load_state()


def test_sign_up_confirm_wait_for_approval_and_comment(live_server, page, axe, shoot, world):
    consultation, requirement, organisation, editor = world
    journey = Journey(page, live_server, axe, shoot)

    # Sign-in and sign-up pages.
    journey.go("/compte/connexion/")
    assert "Connexion" in journey.main()
    journey.check("login")
    journey.go("/compte/inscription/")
    assert "Créer un compte contributeur" in journey.main()
    journey.check("signup")

    # A founder registers a new organisation.
    journey.sign_up(first_name="Léa", last_name="Petit", email="lea.petit@nouvelle.example", organisation_name="Nouvelle Messagerie")
    founder = Membership.objects.select_related("organisation").get(user__email="lea.petit@nouvelle.example")
    assert founder.organisation.name == "Nouvelle Messagerie" and founder.organisation.status == Organisation.Status.PENDING
    assert founder.status == Membership.Status.APPROVED

    # A newcomer names the approved organisation, spelled their own way: a pending membership.
    journey.sign_up(first_name="Ivan", last_name="Nouveau", email="ivan@ailleurs.example", organisation_name="messagerie   sante SERVICES")
    assert "Consultez votre messagerie" in journey.main()
    journey.check("verification-sent")
    joiner = Membership.objects.get(user__email="ivan@ailleurs.example")
    assert joiner.organisation == organisation and joiner.status == Membership.Status.PENDING

    # The mail's link shows a button; following it confirmed nothing.
    journey.go(last_link(r"/compte/confirmer/[^\s]+/", "ivan@ailleurs.example"))
    journey.check("confirm")
    joiner.refresh_from_db()
    assert joiner.email_confirmed_at is None
    journey.submit("Confirmer mon adresse")
    joiner.refresh_from_db()
    assert joiner.email_confirmed_at is not None

    # Signed in, the newcomer sees the membership pending, and cannot comment yet.
    journey.log_in("ivan@ailleurs.example")
    journey.go("/compte/")
    assert "attend la validation de l’ANS" in journey.main()
    journey.check("my-account")
    comment_path = f"/concertations/{consultation.pk}/commenter/?exigence={requirement.pk}"
    journey.go(comment_path)
    assert not journey.page.get_by_role("button", name="Déposer le commentaire").count()

    # An editor approves; the newcomer comments in the organisation's name.
    account_services.approve_membership(membership=joiner, by=editor)
    journey.go(comment_path)
    journey.page.get_by_label("Nature").select_option(label="Question")
    journey.page.get_by_label(re.compile(r"^Commentaire")).fill(COMMENT_TEXT)
    journey.submit("Déposer le commentaire")
    comment = Comment.objects.get(author=joiner.user)
    assert comment.body == COMMENT_TEXT and comment.organisation_id == organisation.pk

    # The pages of a signed-in account.
    journey.go("/compte/mot-de-passe/changer/")
    assert "Changer de mot de passe" in journey.main()
    journey.check("change-password")
    journey.go("/compte/adresses/")
    assert "ivan@ailleurs.example" in journey.main()
    journey.check("email")
    journey.go("/compte/sessions/")
    assert "Sessions ouvertes" in journey.main()
    journey.check("sessions")
    journey.log_out()

    # Password reset, signed out.
    journey.go("/compte/mot-de-passe/oubli/")
    journey.check("reset")
    journey.page.fill("input[name=email]", "ivan@ailleurs.example")
    journey.submit("Recevoir le lien")
    assert "Consultez votre messagerie" in journey.main()
    journey.check("reset-done")
    journey.go(last_link(r"/compte/mot-de-passe/nouveau/[^\s]+/", "ivan@ailleurs.example"))
    journey.check("reset-from-key")
    journey.page.fill("input[name=password1]", NEW_PASSWORD)
    journey.page.fill("input[name=password2]", NEW_PASSWORD)
    journey.submit("Enregistrer le mot de passe")
    assert "Mot de passe enregistré" in journey.main()
    journey.check("reset-from-key-done")
    journey.log_in("ivan@ailleurs.example", NEW_PASSWORD)

    assert not journey.failures, "\n\n".join(journey.failures)
