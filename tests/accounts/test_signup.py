import re
import time
from datetime import timedelta

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Organisation
from core.roles import is_contributor
from tests.accounts.factories import OrganisationFactory, member, text_of

User = get_user_model()
SIGNUP = reverse("account_signup")


def confirmation_path(membership, key=None) -> str:
    """The path of a fresh confirmation link for the member's address (allauth's signed key)."""
    address = EmailAddress.objects.get(user=membership.user)
    return reverse("account_confirm_email", args=[key or EmailConfirmationHMAC(address).key])


def link_path(message) -> str:
    """The path of the confirmation link in a mail (links are absolute, on SITE_URL)."""
    return re.search(r"https?://[^/\s]+(/compte/confirmer/[^\s]+/)", message.body).group(1)


def sign_up(client, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(SIGNUP, data)


def test_signup_creates_the_user_the_organisation_and_the_membership_and_sends_the_link(
    client, signup_data, django_capture_on_commit_callbacks
):
    response = sign_up(client, signup_data, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert (user.username, user.email) == ("alice.durand@operateur-exemple.fr", "alice.durand@operateur-exemple.fr")
    assert (user.first_name, user.last_name) == ("Alice", "Durand")
    assert user.check_password("un-mot-de-passe-solide-2024")
    assert is_contributor(user)
    membership = Membership.objects.select_related("organisation").get(user=user)
    assert membership.email_confirmed_at is None
    assert membership.status == Membership.Status.APPROVED  # its founder, approved with the organisation
    organisation = membership.organisation
    assert (organisation.name, organisation.kind, organisation.status) == ("Opérateur Exemple", "operator", "pending")
    assert organisation.agrees_to_be_named is True
    assert organisation.history.get().history_change_reason == "Inscription de l'organisation"
    assert membership.history.get().history_user == user
    # Not logged in: the same answer as for an address that has an account (which logs nobody in).
    assert client.get(reverse("accounts:account")).status_code == 302
    [message] = mail.outbox
    assert message.to == ["alice.durand@operateur-exemple.fr"]
    assert "Confirmez votre adresse" in message.subject
    assert "/compte/confirmer/" in message.body and "3 jours" in message.body
    assert message.alternatives[0][1] == "text/html" and link_path(message) in message.alternatives[0][0]


def test_the_confirmation_link_is_on_site_url_whatever_the_host_header(client, signup_data, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://referentiels.example.fr"
    settings.ALLOWED_HOSTS = ["*"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data, HTTP_HOST="evil.example")

    [message] = mail.outbox
    assert "https://referentiels.example.fr/compte/confirmer/" in message.body
    assert "evil.example" not in message.body and "evil.example" not in message.alternatives[0][0]


def test_the_link_of_the_mail_confirms_the_address(client, signup_data, django_capture_on_commit_callbacks):
    sign_up(client, signup_data, django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200 and "Confirmer mon adresse" in text_of(page)
    # Following the link (as a mail scanner would) confirms nothing: the button does.
    assert Membership.objects.get().email_confirmed_at is None

    response = client.post(path)

    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    membership = Membership.objects.get()
    assert membership.email_confirmed_at is not None
    assert membership.history.latest().history_change_reason == "Adresse électronique confirmée"
    assert EmailAddress.objects.get(user=membership.user).verified


def test_confirming_twice_changes_nothing(client, db):
    membership = member(OrganisationFactory(), confirmed=False)
    path = confirmation_path(membership)
    client.post(path)
    membership.refresh_from_db()
    first = membership.email_confirmed_at

    client.post(path)

    membership.refresh_from_db()
    assert first is not None and membership.email_confirmed_at == first
    assert membership.history.count() == 2


def test_a_logged_out_visitor_confirms_and_is_sent_to_the_login_page(client, db):
    membership = member(OrganisationFactory(), confirmed=False)
    response = client.post(confirmation_path(membership))

    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    membership.refresh_from_db()
    assert membership.email_confirmed_at is not None


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_and_changes_nothing(client, db, method):
    membership = member(OrganisationFactory(), confirmed=False)
    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=membership.user)).key
    forged = key[:-2] + ("AA" if key[-2:] != "AA" else "BB")

    response = getattr(client, method)(confirmation_path(membership, forged))

    assert response.status_code == (400 if method == "get" else 404)
    if method == "get":
        assert "n’est pas valide" in text_of(response)
    assert not Membership.objects.filter(email_confirmed_at__isnull=False).exists()


def test_a_key_signed_for_another_purpose_is_refused(client, db):
    membership = member(OrganisationFactory(), confirmed=False)
    address = EmailAddress.objects.get(user=membership.user)
    key = signing.dumps(obj=address.pk, salt="another.purpose")

    response = client.post(confirmation_path(membership, key))

    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.email_confirmed_at is None


def test_an_expired_link_is_refused(client, db):
    membership = member(OrganisationFactory(), confirmed=False)
    address = EmailAddress.objects.get(user=membership.user)

    class FourDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 4 * 24 * 3600)

    key = FourDaysAgo(salt=allauth_settings.SALT).sign_object(address.pk)

    response = client.get(confirmation_path(membership, key))
    assert response.status_code == 400 and "n’est pas valide" in text_of(response)
    client.post(confirmation_path(membership, key))

    membership.refresh_from_db()
    assert membership.email_confirmed_at is None


def test_a_link_sent_to_a_former_address_confirms_nothing(client, db):
    membership = member(OrganisationFactory(), confirmed=False)
    path = confirmation_path(membership)
    EmailAddress.objects.filter(user=membership.user).delete()
    User.objects.filter(pk=membership.user.pk).update(email="nouvelle@example.org")
    EmailAddress.objects.create(user=membership.user, email="nouvelle@example.org", primary=True)

    client.post(path)

    membership.refresh_from_db()
    assert membership.email_confirmed_at is None


def test_a_newcomer_joins_the_organisation_already_registered_under_that_name(
    client, signup_data, django_capture_on_commit_callbacks
):
    existing = OrganisationFactory(name="Opérateur  Exemple", kind="vendor", status="approved", agrees_to_be_named=False)

    sign_up(client, {**signup_data, "organisation_name": "operateur exemple", "organisation_kind": "other"}, django_capture_on_commit_callbacks)

    assert Organisation.objects.count() == 1
    assert Membership.objects.get().organisation == existing
    # Typing its name proves nothing: an editor approves the membership first (issue 14).
    assert Membership.objects.get().status == Membership.Status.PENDING
    assert Membership.objects.get().refusal() is not None
    existing.refresh_from_db()
    # The newcomer changes nothing about it: neither its kind nor its consent to be named.
    assert (existing.kind, existing.agrees_to_be_named, existing.status) == ("vendor", False, "approved")
    assert existing.history.count() == 1


def test_a_name_merged_away_leads_to_the_organisation_that_stays(db):
    target = OrganisationFactory(name="Groupe Hospitalier Sud", status="approved")
    OrganisationFactory(name="GH Sud", status="merged", merged_into=target)

    membership = services.register_contributor(
        email="bob@example.org", password="un-mot-de-passe-solide-2024", first_name="Bob", last_name="Martin",
        organisation_name="gh sud", organisation_kind="institution",
    )

    assert membership.organisation == target


def test_a_refused_organisation_is_not_joined_but_asked_for_again(db):
    refused = OrganisationFactory(name="Spam SARL", status="refused")

    membership = services.register_contributor(
        email="bob@example.org", password="un-mot-de-passe-solide-2024", first_name="Bob", last_name="Martin",
        organisation_name="Spam SARL", organisation_kind="other",
    )

    assert membership.organisation != refused and membership.organisation.status == "pending"


# An address that already has an account: see test_signup_reveals_no_account.


@pytest.mark.parametrize("password", ["12345678901234", "motdepasse", "court", "durand2024"])
def test_a_weak_password_is_refused_with_the_field_named(client, signup_data, db, password):
    response = client.post(SIGNUP, {**signup_data, "password1": password, "password2": password})

    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.exists() and not Organisation.objects.exists() and not mail.outbox


def test_two_different_passwords_are_refused(client, signup_data, db):
    response = client.post(SIGNUP, {**signup_data, "password2": "un-autre-mot-de-passe-2024"})

    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not User.objects.exists()


def test_missing_fields_are_named(client, db):
    response = client.post(SIGNUP, {})

    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"first_name", "last_name", "email", "password1", "organisation_name", "organisation_kind"}
    assert not User.objects.exists()


def test_the_consent_to_be_named_is_optional(client, signup_data, django_capture_on_commit_callbacks):
    del signup_data["agrees_to_be_named"]

    sign_up(client, signup_data, django_capture_on_commit_callbacks)

    assert Organisation.objects.get().agrees_to_be_named is False


def test_the_signup_page_is_a_dsfr_form(client, db):
    html = text_of(client.get(SIGNUP))

    for snippet in ('class="fr-input-group"', 'class="fr-label"', 'class="fr-input"', 'class="fr-select"', 'class="fr-btn"', "fr-checkbox-group"):
        assert snippet in html
    assert "Mon organisation accepte d’être nommée dans les synthèses" in html


def test_a_logged_in_person_is_sent_from_signup_to_their_account(client_for, contributor_a):
    response = client_for(contributor_a).get(SIGNUP)

    assert response.status_code == 302 and response.url == reverse("accounts:account")


# Sending the link again ---------------------------------------------------------------------------


def resend(client, email):
    return client.post(reverse("account_email"), {"action_send": "", "email": email}, follow=True)


def test_an_unconfirmed_member_gets_a_new_link(client_for, db, django_capture_on_commit_callbacks):
    membership = member(OrganisationFactory(), confirmed=False)
    client = client_for(membership.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = resend(client, membership.user.email)

    assert response.status_code == 200
    [message] = mail.outbox
    assert message.to == [membership.user.email.lower()]
    client.post(link_path(message))
    membership.refresh_from_db()
    assert membership.email_confirmed_at is not None


def test_a_second_link_within_a_minute_is_not_sent(client_for, db, django_capture_on_commit_callbacks):
    membership = member(OrganisationFactory(), confirmed=False)
    client = client_for(membership.user)

    with django_capture_on_commit_callbacks(execute=True):
        resend(client, membership.user.email)
        resend(client, membership.user.email)

    assert len(mail.outbox) == 1


def test_a_confirmed_member_gets_no_new_link(client_for, db, django_capture_on_commit_callbacks):
    membership = member(OrganisationFactory(), confirmed=True)

    with django_capture_on_commit_callbacks(execute=True):
        resend(client_for(membership.user), membership.user.email)

    assert not mail.outbox


def test_sending_a_link_needs_a_logged_in_member_and_their_own_address(anonymous, client_for, db):
    response = anonymous.post(reverse("account_email"), {"action_send": "", "email": "x@example.org"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))

    someone_else = member(OrganisationFactory(), confirmed=False)
    resend(client_for(member(OrganisationFactory(), confirmed=False).user), someone_else.user.email)
    assert not mail.outbox


# My account ---------------------------------------------------------------------------------------


def test_my_account_shows_my_organisation_its_status_and_my_unconfirmed_address(client_for, db):
    membership = member(OrganisationFactory(name="Éditeur Alpha", kind="vendor"), confirmed=False, first_name="Léa", last_name="Petit")

    html = text_of(client_for(membership.user).get(reverse("accounts:account")))

    assert "Éditeur Alpha" in html and "Éditeur de logiciel" in html
    assert "En attente de validation" in html
    assert "Non confirmée" in html and "Recevoir un nouveau lien" in html
    assert "Léa Petit" in html and "Contributeur" in html
    # allauth's pages for the rest of the account.
    for name in ("account_change_password", "account_email", "usersessions_list"):
        assert f'href="{reverse(name)}"' in html


def test_my_account_tells_why_my_organisation_was_refused(client_for, staff_editor, db):
    membership = member(OrganisationFactory(name="Spam SARL"), confirmed=True)
    services.refuse_organisation(organisation=membership.organisation, by=staff_editor, reason="Organisation inconnue du registre.")

    html = text_of(client_for(membership.user).get(reverse("accounts:account")))

    assert "Refusée" in html and "Organisation inconnue du registre." in html
    assert "Recevoir un nouveau lien" not in html


def test_my_account_needs_a_login(anonymous, db):
    response = anonymous.get(reverse("accounts:account"))

    assert response.status_code == 302 and response.url == f"{reverse('account_login')}?next={reverse('accounts:account')}"


def test_an_editor_without_organisation_sees_their_role(client_for, editor):
    html = text_of(client_for(editor).get(reverse("accounts:account")))

    assert "aucune organisation" in html and "Rédacteur de l" in html


def test_the_header_offers_login_account_and_logout(anonymous, client_for, contributor_a):
    html = text_of(anonymous.get(reverse("account_signup")))
    assert f'href="{reverse("account_login")}?next=' in html

    html = text_of(client_for(contributor_a).get(reverse("accounts:account")))
    assert f'action="{reverse("account_logout")}"' in html and f'href="{reverse("accounts:account")}"' in html


def test_membership_rows_keep_their_history_user(db):
    membership = services.register_contributor(
        email="carla@example.org", password="un-mot-de-passe-solide-2024", first_name="Carla", last_name="Roux",
        organisation_name="Institution Z", organisation_kind="institution",
    )

    record = membership.history.get()
    assert record.history_user == membership.user and record.history_change_reason == "Inscription"
    assert timezone.now() - record.history_date < timedelta(minutes=1)


def test_a_logged_in_person_posting_the_signup_form_creates_nothing(client_for, contributor_a, signup_data):
    response = client_for(contributor_a).post(SIGNUP, signup_data)

    assert response.status_code == 302
    assert User.objects.count() == 1 and not Organisation.objects.exists() and not mail.outbox


def test_the_account_forms_need_the_csrf_token(signup_data):
    client = Client(enforce_csrf_checks=True)

    assert client.post(SIGNUP, signup_data).status_code == 403
    assert client.post(reverse("account_login"), {"login": "x", "password": "y"}).status_code == 403
    assert not User.objects.exists()
