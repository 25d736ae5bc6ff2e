"""The accounts on allauth, probed by an outsider, a contributor of another organisation and an
editor, with hostile and real-world inputs (issue 14's review): joining an approved organisation
under a look-alike name or address, telling whether an address has an account, dodging the limits,
forged confirmation and reset links, open redirects, junk form data."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Organisation, OrganisationDomain
from tests.accounts.factories import OrganisationFactory, member, text_of
from tests.factories import UserFactory, totp_code

SIGNUP = reverse("account_signup")
LOGIN = reverse("account_login")
RESET = reverse("account_reset_password")
EMAIL = reverse("account_email")
PASSWORD = "un-mot-de-passe-solide-2024"
FACTORY_PASSWORD = "motdepasse-solide-42"


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hopital(db, editor):
    organisation = OrganisationFactory(name="Hôpital Nord", status=Organisation.Status.APPROVED, agrees_to_be_named=True)
    domain = OrganisationDomain.objects.create(organisation=organisation, domain="hopital-nord.fr")
    services.validate_organisation_domain(domain=domain, by=editor)
    return organisation


def sign_up(*, email="intrus@ailleurs.example", organisation_name="Hôpital Nord") -> Membership:
    return services.register_contributor(
        email=email,
        password=PASSWORD,
        first_name="Ivan",
        last_name="Intrus",
        organisation_name=organisation_name,
        organisation_kind="operator",
    )


def signup_form(**overrides) -> dict:
    return {
        "first_name": "Ivan",
        "last_name": "Intrus",
        "email": "intrus@ailleurs.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "organisation_name": "Hôpital Nord",
        "organisation_kind": "operator",
        **overrides,
    }


# Joining an approved organisation under a look-alike name ---------------------------------------

LOOK_ALIKES = [
    "HÔPITAL NORD",
    "hopital nord",
    "  Hôpital\t  Nord  ",
    "Hôpital Nord.",
    "Hôpital Nord !",
    "Hôpital-Nord",
    "« Hôpital Nord »",
    "HôpitalNord",
    "Hôpital\u200bNord",  # zero-width space
    "Hôpital \u200bNord",
    "Hôpital\u00a0Nord",  # no-break space
    "Hôpital\u202fNord",
    "\u200eHôpital Nord",  # left-to-right mark
    "Hôpital Nord\u00ad",  # soft hyphen
    "Ｈôｐｉｔａｌ Ｎｏｒｄ",  # full-width (NFKC)
    "Ho\u0302pital Nord",  # decomposed accent
    "Нôpital Nord",  # Cyrillic En
    "Hôpitаl Nоrd",  # Cyrillic a and o
    "Hôpital Νord",  # Greek Nu
    "Hôpita\u217c Nord",  # Roman numeral fifty, NFKC l
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_look_alike_of_an_approved_organisations_name_asks_to_join_it(hopital, name):
    membership = sign_up(organisation_name=name)

    assert membership.organisation == hopital
    assert membership.status == Membership.Status.PENDING
    assert Organisation.objects.count() == 1


def test_an_invisible_character_is_not_kept_in_a_new_organisations_name(db):
    membership = sign_up(organisation_name="Clinique\u200b du\u2060 Parc\u200e")

    assert membership.organisation.name == "Clinique du Parc"


def test_a_different_name_is_a_new_organisation_pending_approval(hopital):
    membership = sign_up(organisation_name="Hôpital Sud")

    assert membership.organisation != hopital
    assert membership.organisation.status == Organisation.Status.PENDING
    assert not Membership.objects.in_good_standing().filter(pk=membership.pk).exists()


# Joining through an address in a validated domain ------------------------------------------------

@pytest.mark.parametrize(
    "email",
    [
        "x@evil.hopital-nord.fr",
        "x@hopital-nord.fr.evil.com",
        "x@hopital-nord.fr.",
        "x@xn--hpital-nord-ieb.fr",
        "x@hopital-nord.com",
        "x@hopital--nord.fr",
        "x@hopital-nord.fr@evil.com",
    ],
)
def test_an_address_outside_the_validated_domain_waits_for_approval(hopital, email):
    try:
        membership = sign_up(email=email)
    except Exception as error:  # refused outright is fine too
        assert "email" in getattr(error, "message_dict", {"email": 1})
        return
    assert membership.status == Membership.Status.PENDING


@pytest.mark.parametrize("email", ["x@hopital-nord.fr", "X@HOPITAL-NORD.FR", "x+consultation@hopital-nord.fr"])
def test_an_address_in_the_validated_domain_is_approved_by_its_confirmation(hopital, email):
    membership = sign_up(email=email)
    assert membership.status == Membership.Status.PENDING

    membership = services.record_email_confirmed(user=membership.user, email=email.lower())

    assert membership.status == Membership.Status.APPROVED and membership.refusal() is None


def test_whoever_signs_up_with_someone_elses_address_in_the_domain_cannot_sign_in(hopital, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = sign_up(email="directrice@hopital-nord.fr")
    mail.outbox.clear()

    client = Client()
    response = client.post(LOGIN, {"login": "directrice@hopital-nord.fr", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    membership.refresh_from_db()
    assert membership.email_confirmed_at is None


def test_a_member_adding_an_address_in_a_validated_domain_is_not_approved_by_it(hopital, client_for):
    membership = sign_up(email="intrus@ailleurs.example")
    services.record_email_confirmed(user=membership.user, email=membership.user.email)
    EmailAddress.objects.filter(user=membership.user).update(verified=True)
    client = client_for(membership.user)

    client.post(EMAIL, {"action_add": "", "email": "directrice@hopital-nord.fr"})
    response = client.post(EMAIL, {"action_primary": "", "email": "directrice@hopital-nord.fr"})

    membership.refresh_from_db()
    membership.user.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    assert membership.user.email == "intrus@ailleurs.example"  # an unverified address does not become primary
    assert response.status_code in (200, 302)


def test_an_address_switched_before_confirmation_does_not_carry_the_domains_approval(hopital, client_for, django_capture_on_commit_callbacks):
    """Approved for directrice@hopital-nord.fr (which they cannot read), they make another address
    primary and confirm that one: the approval was for the domain's address, not for them."""
    membership = sign_up(email="directrice@hopital-nord.fr")
    client = client_for(membership.user)
    client.post(EMAIL, {"action_add": "", "email": "intrus@ailleurs.example"})
    client.post(EMAIL, {"action_primary": "", "email": "intrus@ailleurs.example"})
    address = EmailAddress.objects.get(user=membership.user, email="intrus@ailleurs.example")
    from allauth.account.models import EmailConfirmationHMAC

    client.post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))

    membership.refresh_from_db()
    assert membership.email_confirmed_at is not None  # they proved intrus@ailleurs.example…
    assert membership.status == Membership.Status.PENDING  # …which is not in the organisation's domain


# Enumeration -------------------------------------------------------------------------------------


def test_adding_an_address_of_another_account_says_the_same_as_a_free_one(client_for, db):
    owner = member(OrganisationFactory(), email="prise@example.org", username="prise@example.org")
    probe = member(OrganisationFactory())
    client = client_for(probe.user)

    taken = client.post(EMAIL, {"action_add": "", "email": "prise@example.org"})
    free = client.post(EMAIL, {"action_add": "", "email": "libre@example.org"})

    assert taken.status_code == free.status_code
    assert "déjà" not in text_of(client.get(EMAIL)) and "déjà" not in text_of(taken)
    owner.user.refresh_from_db()
    assert owner.user.email == "prise@example.org"
    assert not EmailAddress.objects.filter(user=probe.user, email="prise@example.org", verified=True).exists()


def test_a_failed_sign_in_says_the_same_for_a_known_and_an_unknown_address(db):
    member(OrganisationFactory(), email="connu@example.org", username="connu@example.org")

    known = Client().post(LOGIN, {"login": "connu@example.org", "password": "faux-mot-de-passe-123"})
    unknown = Client().post(LOGIN, {"login": "inconnu@example.org", "password": "faux-mot-de-passe-123"})

    assert known.status_code == unknown.status_code == 200
    def strip(response, email):
        text = re.sub(r'value="[A-Za-z0-9]{64}"', "", text_of(response).replace(email, ""))
        return re.sub(r"-[a-z]{16}\b", "", text)  # ids the layout draws at random

    assert strip(known, "connu@example.org") == strip(unknown, "inconnu@example.org")


# Rate limits -------------------------------------------------------------------------------------


def test_x_forwarded_for_does_not_reset_the_per_ip_count(db):
    statuses = [
        Client().post(RESET, {"email": f"personne{n}@example.org"}, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(21)
    ]

    assert statuses[20] == 429


def test_case_variants_of_an_address_are_one_count(db):
    user = UserFactory(username="alice@example.org", email="alice@example.org")
    EmailAddress.objects.create(user=user, email="alice@example.org", primary=True, verified=True)
    variants = ["alice@example.org", "ALICE@example.org", "Alice@Example.ORG", " alice@EXAMPLE.org ", "aLiCe@example.org"]

    statuses = [Client().post(RESET, {"email": email}, REMOTE_ADDR=f"192.0.2.{n}").status_code for n, email in enumerate(variants)]

    assert statuses[3:] == [429, 429]
    assert len(mail.outbox) == 3


def test_sign_up_per_ip_is_not_fooled_by_x_forwarded_for(db):
    statuses = [
        Client().post(
            SIGNUP, signup_form(email=f"n{n}@example.org", organisation_name=f"Org {n}"), REMOTE_ADDR="198.51.100.10", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(11)
    ]

    assert statuses[10] == 429


def test_failed_sign_ins_with_case_variants_count_for_one_account(db):
    member(OrganisationFactory(), email="cible@example.org", username="cible@example.org")
    variants = ["cible@example.org", "CIBLE@example.org", "Cible@Example.org", "cible@EXAMPLE.ORG", "CiBlE@example.org"]
    for n, login in enumerate(variants):
        Client().post(LOGIN, {"login": login, "password": "faux-mot-de-passe-123"}, REMOTE_ADDR=f"192.0.2.{n}")

    client = Client()
    client.post(LOGIN, {"login": "cible@example.org", "password": FACTORY_PASSWORD}, REMOTE_ADDR="192.0.2.99")
    assert "_auth_user_id" not in client.session


# Confirmation and reset links --------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["a", "x" * 5000, "é" * 300, "MQ:1abc:zzz", "-:-:-", "MTIzNDU2Nzg5MA:1t0abc:" + "A" * 43, "%C3%A9", "0" * 64],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_confirmation_key_is_a_4xx(client, db, key, method):
    response = getattr(client, method)(f"/compte/confirmer/{key}/")

    assert 400 <= response.status_code < 500 or response.status_code == 302, response.status_code


def test_a_get_on_a_confirmation_link_confirms_nothing(client, db):
    from allauth.account.models import EmailConfirmationHMAC

    membership = member(OrganisationFactory(), confirmed=False)
    address = EmailAddress.objects.get(user=membership.user)

    response = client.get(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))

    assert response.status_code == 200
    address.refresh_from_db()
    membership.refresh_from_db()
    assert not address.verified and membership.email_confirmed_at is None


def test_confirming_someone_elses_address_while_signed_in_confirms_it_for_them_only(client_for, db):
    from allauth.account.models import EmailConfirmationHMAC

    victim = member(OrganisationFactory(), confirmed=False)
    other = member(OrganisationFactory(), confirmed=True)
    address = EmailAddress.objects.get(user=victim.user)

    client_for(other.user).post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))

    assert not EmailAddress.objects.filter(user=other.user, email=victim.user.email).exists()
    assert EmailAddress.objects.filter(user=other.user).count() == 1


@pytest.mark.parametrize("path", ["zz-zz", "1-" + "x" * 5000, "0-set-password", "%FF-%00", "1-é"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_reset_link_is_not_a_500(client, db, path, method):
    response = getattr(client, method)(f"/compte/mot-de-passe/nouveau/{path}/", {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code < 500


# Redirects ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example", "\\\\evil.example", " //evil.example"]
)
def test_next_never_leaves_the_site_after_sign_in(db, target):
    member(OrganisationFactory(), email="m@example.org", username="m@example.org")

    response = Client().post(LOGIN + "?next=" + target, {"login": "m@example.org", "password": FACTORY_PASSWORD, "next": target})

    assert response.status_code == 302
    assert "evil.example" not in response.url


# Junk inputs -------------------------------------------------------------------------------------

JUNK = ["x" * 100_000, "a\x00b", "<script>alert(1)</script>", "' OR 1=1 --", "é" * 500]


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
@pytest.mark.parametrize("url", [SIGNUP, LOGIN, RESET])
def test_junk_in_any_field_is_never_a_500(db, url, junk):
    data = signup_form()
    data.update({"login": junk, "password": junk, "email": junk})
    for field in list(data):
        client = Client()
        response = client.post(url, {**data, field: junk})
        assert response.status_code < 500, (field, response.status_code)


@pytest.mark.parametrize("url", [SIGNUP, LOGIN, RESET])
def test_lists_in_fields_and_non_utf8_bodies_are_never_a_500(db, url):
    client = Client()
    data = signup_form()
    response = client.post(url, {**data, "email": ["a@example.org", "b@example.org"], "organisation_name": ["A", "B"], "login": ["a", "b"]})
    assert response.status_code < 500
    response = client.generic("POST", url, b"email=%FF%FE&login=%C3%28&organisation_name=\xff\xfe", content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    response = client.generic("POST", url, b"email=%ED%A0%80&login=%ED%A0%80&password=%ED%A0%80", content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    response = client.generic("POST", url, b"\xff\xfe\x00garbage", content_type="multipart/form-data; boundary=zz")
    assert response.status_code < 500


@pytest.mark.parametrize("url", [SIGNUP, LOGIN, RESET])
def test_a_post_without_csrf_token_is_a_403(db, url):
    response = Client(enforce_csrf_checks=True).post(url, signup_form())

    assert response.status_code == 403


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_junk_on_the_addresses_and_password_pages_is_never_a_500(client_for, db, junk):
    client = client_for(member(OrganisationFactory()).user)
    for action in ("action_add", "action_send", "action_primary", "action_remove"):
        assert client.post(EMAIL, {action: "", "email": junk}).status_code < 500
    response = client.post(
        reverse("account_change_password"), {"oldpassword": junk, "password1": junk, "password2": junk}
    )
    assert response.status_code < 500


# Sessions and tokens -----------------------------------------------------------------------------


def signed_in(email, password=FACTORY_PASSWORD, **extra) -> Client:
    client = Client(**extra)
    client.post(LOGIN, {"login": email, "password": password})
    assert "_auth_user_id" in client.session
    return client


def test_closing_the_other_sessions_signs_them_out(db):
    member(OrganisationFactory(), email="s@example.org", username="s@example.org")
    elsewhere = signed_in("s@example.org", REMOTE_ADDR="192.0.2.1")
    here = signed_in("s@example.org", REMOTE_ADDR="192.0.2.2")
    assert elsewhere.get(reverse("accounts:account")).status_code == 200

    here.post(reverse("usersessions_list"))

    assert elsewhere.get(reverse("accounts:account")).status_code == 302
    assert here.get(reverse("accounts:account")).status_code == 200


def test_changing_the_password_signs_the_other_sessions_out(db):
    member(OrganisationFactory(), email="s@example.org", username="s@example.org")
    elsewhere = signed_in("s@example.org", REMOTE_ADDR="192.0.2.1")
    here = signed_in("s@example.org", REMOTE_ADDR="192.0.2.2")

    here.post(
        reverse("account_change_password"),
        {"oldpassword": FACTORY_PASSWORD, "password1": "un-autre-mot-de-passe-2025", "password2": "un-autre-mot-de-passe-2025"},
    )

    assert elsewhere.get(reverse("accounts:account")).status_code == 302
    assert here.get(reverse("accounts:account")).status_code == 200


def test_the_sessions_page_records_the_peer_address_not_x_forwarded_for(db):
    from allauth.usersessions.models import UserSession

    member(OrganisationFactory(), email="s@example.org", username="s@example.org")
    client = signed_in("s@example.org", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.66")
    client.get(reverse("usersessions_list"), REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.66")

    assert set(UserSession.objects.values_list("ip", flat=True)) == {"192.0.2.7"}


def test_an_unconfirmed_contributor_gets_no_api_token(hopital, django_capture_on_commit_callbacks):
    """Whoever signed up with an address they cannot read must not sign in through the API instead."""
    sign_up(email="directrice@hopital-nord.fr")

    response = Client().post(reverse("api-token"), {"username": "directrice@hopital-nord.fr", "password": PASSWORD})

    assert response.status_code == 403
    assert "token" not in response.json()
    assert "Confirmez d'abord votre adresse" in response.content.decode()


# Account pages in English ------------------------------------------------------------------------


def test_account_pages_in_english_leave_no_french_of_the_catalogue(client_for, db):
    from tests.test_every_page_in_both_languages import french_fragments, visible_text

    signed = member(OrganisationFactory(), confirmed=False)
    pages = [
        (None, LOGIN), (None, SIGNUP), (None, RESET), (None, reverse("account_reset_password_done")),
        (None, reverse("account_email_verification_sent")), (None, "/compte/confirmer/cle-inconnue/"),
        (None, "/compte/mot-de-passe/nouveau/zz-cle-inconnue/"),
        (signed.user, EMAIL), (signed.user, reverse("account_change_password")), (signed.user, reverse("usersessions_list")),
        (signed.user, reverse("accounts:account")), (signed.user, reverse("account_logout")),
    ]
    fragments = french_fragments()
    left = []
    for user, path in pages:
        client = client_for(user)
        client.cookies["django_language"] = "en"
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code < 500 and '<html lang="en"' in html, (path, response.status_code)
        text = visible_text(html)
        left += [f"{path}: {fragment!r}" for fragment in fragments if fragment in text]
    assert not left, "\n".join(left)


# Sign-in with the identity provider: which account an asserted address reaches -------------------


def test_an_address_another_account_added_unverified_still_reaches_only_its_verified_owner(db):
    from tests.accounts.test_oidc_account_matching import identity, reached

    owner = member(OrganisationFactory(), email="alice@ans.fr", username="alice@ans.fr").user
    intruder = member(OrganisationFactory()).user
    EmailAddress.objects.create(user=intruder, email="ALICE@ans.fr", verified=False, primary=False)

    assert reached(identity("alice@ANS.FR")) == owner


def test_a_provider_asserting_an_address_only_an_intruder_holds_unverified_reaches_nobody(db):
    from tests.accounts.test_oidc_account_matching import identity, reached

    intruder = member(OrganisationFactory()).user
    EmailAddress.objects.create(user=intruder, email="directrice@hopital-nord.fr", verified=False, primary=False)

    assert reached(identity("directrice@hopital-nord.fr")) is None


def test_signing_up_again_and_again_with_a_known_address_does_not_flood_its_owner(db, django_capture_on_commit_callbacks):
    member(OrganisationFactory(), email="cible@example.org", username="cible@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            Client().post(SIGNUP, signup_form(email=email), REMOTE_ADDR=f"192.0.2.{n}")
            for n, email in enumerate(["cible@example.org", "CIBLE@example.org", "Cible@Example.org", "cible@example.org"])
        ]

    assert {response.status_code for response in responses} == {302}
    assert len(mail.outbox) == 1  # allauth's per-address limit of verification mails (1 a minute, 3 an hour)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site_after_sign_out_nor_on_the_provider_button(db, settings, target):
    from allauth.account.utils import get_next_redirect_url
    from allauth.core import context
    from django.test import RequestFactory

    member(OrganisationFactory(), email="m@example.org", username="m@example.org")
    client = signed_in("m@example.org")

    response = client.post(reverse("account_logout"), {"next": target})

    assert response.status_code == 302 and "evil.example" not in response.url
    # The provider's button goes through the same check before the target is kept in the OIDC state.
    request = RequestFactory().post("/", {"next": target})
    with context.request_context(request):
        assert get_next_redirect_url(request) is None


# An editor validating a domain anyone can get -----------------------------------------------------


@pytest.mark.parametrize("name", ["gmail.com", "Orange.fr", "medecin.mssante.fr", "laposte.net."])
def test_a_domain_anyone_can_get_is_neither_declared_nor_validated(hopital, editor, name):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        OrganisationDomain(organisation=hopital, domain=name).full_clean()

    domain = OrganisationDomain.objects.create(organisation=hopital, domain=name.lower().rstrip("."))
    with pytest.raises(ValidationError):
        services.validate_organisation_domain(domain=domain, by=editor)
    domain.refresh_from_db()
    assert domain.validated_at is None

    membership = sign_up(email=f"quiconque@{name.lower().rstrip('.')}")
    membership = services.record_email_confirmed(user=membership.user, email=membership.user.email)
    assert membership.status == Membership.Status.PENDING


def test_the_admin_action_says_which_domains_it_refused(hopital, client_for, staff_editor):
    from django.contrib.auth.models import Permission

    staff_editor.groups.get(name="editor").permissions.add(*Permission.objects.filter(codename__endswith="organisationdomain"))
    open_domain = OrganisationDomain.objects.create(organisation=hopital, domain="gmail.com")
    own = OrganisationDomain.objects.create(organisation=OrganisationFactory(), domain="clinique-du-parc.fr")

    response = client_for(staff_editor).post(
        reverse("admin:accounts_organisationdomain_changelist"),
        {"action": "validate_action", "_selected_action": [open_domain.pk, own.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "gmail.com" in text_of(response) and "non validés" in text_of(response)
    open_domain.refresh_from_db()
    own.refresh_from_db()
    assert open_domain.validated_at is None and own.validated_at is not None


# Who may sign in without a confirmed address -----------------------------------------------------


def test_a_sign_up_that_fails_halfway_leaves_no_account_that_signs_in_unconfirmed(db, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(services, "join_organisation", broken)
    Client(raise_request_exception=False).post(SIGNUP, signup_form(email="demi@example.org"))
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email__iexact="demi@example.org").exists()

    client = Client()
    client.post(LOGIN, {"login": "demi@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("groups", [("contributor",), ()])
def test_an_account_without_membership_that_is_no_editor_must_confirm_its_address(db, groups):
    from tests.factories import UserFactory as Factory

    user = Factory(username="sans-rattachement@example.org", email="sans-rattachement@example.org")
    for name in groups:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get_or_create(name=name)[0])
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    client = Client()
    client.post(LOGIN, {"login": user.email, "password": FACTORY_PASSWORD})

    assert "_auth_user_id" not in client.session


def test_an_editor_without_a_confirmed_address_still_signs_in_by_username(db, editor):
    client = Client()
    response = client.post(LOGIN, {"login": "editrice", "password": FACTORY_PASSWORD})
    # No confirmation asked: the next stage is the editor's second factor (accounts.mfa), then signed in.
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert "_auth_user_id" in client.session


def test_a_sign_up_with_a_known_address_hashes_the_password_like_a_new_one(db, monkeypatch):
    """Hashing a password takes a good part of a second in production: a sign-up that skipped it for a
    known address would tell by its speed that the address has an account."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    calls = []
    encode = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, password, salt: calls.append(password) or encode(self, password, salt))
    member(OrganisationFactory(), email="connu@example.org", username="connu@example.org")
    calls.clear()

    Client().post(SIGNUP, signup_form(email="nouveau@example.org"), REMOTE_ADDR="192.0.2.1")
    new = len(calls)
    calls.clear()
    Client().post(SIGNUP, signup_form(email="connu@example.org"), REMOTE_ADDR="192.0.2.2")

    assert new >= 1 and len(calls) == new
